//! The self-running demo of chapter 09: two tasks whose sleeps overlap, and
//! the same two when one of them sleeps the thread instead of yielding.
//!
//! The tasks, in the Python they stand for:
//!
//! ```python
//! def a():                        def b():
//!     log("a enter")                  log("b enter")
//!     yield sleep(1.0)                yield sleep(0.5)
//!     log("a exit")                   log("b middle")
//!                                     yield sleep(0.5)
//!                                     log("b exit")
//! ```

use std::thread;
use std::time::Duration;

use ch08_generators::{Generator, GeneratorState};
use course::Timeline;

use crate::scheduler::{self, Call, Task};

/// How long `a` sleeps, and `b` in total (in two halves).
pub const NAP: Duration = Duration::from_secs(1);

/// Runs both parts of the demo.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    cooperative(timeline);
    blocking(timeline);
    Ok(())
}

/// `run(a, b)`: every sleep is a yield, so the two overlap.
pub fn cooperative(timeline: &Timeline) {
    timeline.log("run", "run(a, b): every sleep is a yield to the scheduler");
    let start = timeline.elapsed();
    scheduler::run([a(timeline), b(timeline)]);
    let took = timeline.elapsed() - start;
    timeline.log(
        "run",
        format!(
            "both done in {:.3} s: a's 1 s and b's two 0.5 s sleeps overlapped on one thread",
            took.as_secs_f64()
        ),
    );
}

/// `run(a_blocking, b)`: `a` sleeps the thread itself, so `b` waits.
pub fn blocking(timeline: &Timeline) {
    timeline.log(
        "run",
        "run(a_blocking, b): a calls thread::sleep(1 s) instead of yielding",
    );
    let start = timeline.elapsed();
    scheduler::run([a_blocking(timeline), b(timeline)]);
    let took = timeline.elapsed() - start;
    let b_late = find_last(timeline, "b", "enter")
        .map(|b_enter| b_enter.at.saturating_sub(start))
        .unwrap_or_default();
    timeline.log(
        "run",
        format!(
            "both done in {:.3} s: b could not even start for {:.3} s, while a held the thread",
            took.as_secs_f64(),
            b_late.as_secs_f64()
        ),
    );
}

/// `a`: enter, sleep [`NAP`], exit.
pub fn a(timeline: &Timeline) -> Task {
    Box::new(A {
        timeline: timeline.clone(),
        state: AState::Start,
    })
}

/// `a` with a blocking `thread::sleep` where it should yield.
pub fn a_blocking(timeline: &Timeline) -> Task {
    Box::new(ABlocking {
        timeline: timeline.clone(),
        done: false,
    })
}

/// `b`: enter, sleep half of [`NAP`], "middle", sleep the other half, exit.
pub fn b(timeline: &Timeline) -> Task {
    Box::new(B {
        timeline: timeline.clone(),
        state: BState::Start,
    })
}

/// Task `a`, by hand.
struct A {
    timeline: Timeline,
    state: AState,
}

/// Where `a` is paused.
enum AState {
    /// Not started.
    Start,
    /// At `yield sleep(1.0)`.
    Sleeping,
    /// Completed.
    Done,
}

impl Generator for A {
    type Yield = Call;
    type Return = ();

    fn resume(&mut self, (): ()) -> GeneratorState<Call, ()> {
        match self.state {
            AState::Start => {
                self.timeline.log("a", "enter");
                self.state = AState::Sleeping;
                GeneratorState::Yielded(Call::Sleep(NAP))
            }
            AState::Sleeping => {
                self.timeline.log("a", "exit");
                self.state = AState::Done;
                GeneratorState::Complete(())
            }
            AState::Done => panic!("a resumed after it completed"),
        }
    }
}

/// Task `a` that blocks: one resume does everything, the sleep included.
struct ABlocking {
    timeline: Timeline,
    done: bool,
}

impl Generator for ABlocking {
    type Yield = Call;
    type Return = ();

    fn resume(&mut self, (): ()) -> GeneratorState<Call, ()> {
        assert!(!self.done, "a_blocking resumed after it completed");
        self.timeline.log("a", "enter");
        // The mistake this part of the demo is about: the scheduler cannot
        // run anybody else until this returns.
        thread::sleep(NAP);
        self.timeline.log("a", "exit");
        self.done = true;
        GeneratorState::Complete(())
    }
}

/// Task `b`, by hand.
struct B {
    timeline: Timeline,
    state: BState,
}

/// Where `b` is paused.
enum BState {
    /// Not started.
    Start,
    /// At the first `yield sleep(0.5)`.
    FirstHalf,
    /// At the second.
    SecondHalf,
    /// Completed.
    Done,
}

impl Generator for B {
    type Yield = Call;
    type Return = ();

    fn resume(&mut self, (): ()) -> GeneratorState<Call, ()> {
        match self.state {
            BState::Start => {
                self.timeline.log("b", "enter");
                self.state = BState::FirstHalf;
                GeneratorState::Yielded(Call::Sleep(NAP / 2))
            }
            BState::FirstHalf => {
                self.timeline.log("b", "middle");
                self.state = BState::SecondHalf;
                GeneratorState::Yielded(Call::Sleep(NAP / 2))
            }
            BState::SecondHalf => {
                self.timeline.log("b", "exit");
                self.state = BState::Done;
                GeneratorState::Complete(())
            }
            BState::Done => panic!("b resumed after it completed"),
        }
    }
}

/// The last event by `who` whose `what` contains `what`.
fn find_last(timeline: &Timeline, who: &str, what: &str) -> Option<course::timeline::Event> {
    timeline
        .events()
        .into_iter()
        .rev()
        .find(|e| e.who == who && e.what.contains(what))
}

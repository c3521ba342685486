//! The self-running demo of chapter 08: every generator of the chapter,
//! resumed by hand, with what each resume gave back.

use std::mem::size_of;
use std::time::Instant;

use course::Timeline;

use crate::generator::{Error, Generator, GeneratorState, iter};
use crate::{Average, Fib, RunningSum, Tree};

/// Runs every example and logs what each resume returned.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    let mut resumes = 0u64;

    // 1. A generator used as an iterator: `for x in fib(10)`.
    let first: Vec<u64> = iter(Fib::new(10)).inspect(|_| resumes += 1).collect();
    timeline.log("fib", format!("fib(10) yielded {}", join(&first)));
    let all: Vec<u64> = iter(Fib::new(1000)).collect();
    resumes += all.len() as u64 + 1;
    timeline.log(
        "fib",
        format!(
            "fib(1000) completed after {} values: the last, {}, is the largest that fits in a u64",
            all.len(),
            all.last().copied().unwrap_or_default()
        ),
    );

    // 2. Values sent in: `total = sum.send(n)`, and an error thrown in.
    let mut sum = RunningSum::new();
    for number in [5, 3, -2] {
        let state = sum.resume(Some(number));
        resumes += 1;
        timeline.log("sum", format!("sent {number:>2} -> {state:?}"));
    }
    let thrown: Error = "the last three numbers were typos".into();
    let state = sum.throw(thrown);
    timeline.log(
        "sum",
        format!("threw an error -> {state:?} (it caught it and started over)"),
    );
    let state = sum.resume(Some(10));
    timeline.log("sum", format!("sent 10 -> {state:?}"));
    let state = sum.resume(None);
    resumes += 2;
    timeline.log("sum", format!("sent None -> {state:?}"));

    // 3. An error a generator does not handle comes back out.
    let mut fib = Fib::new(10);
    fib.resume(());
    resumes += 1;
    match fib.throw("stop right there".into()) {
        Err(error) => timeline.log(
            "fib",
            format!("threw \"stop right there\" -> it came back as Err({error:?}): fib does not catch it"),
        ),
        Ok(state) => timeline.log("fib", format!("threw an error -> {state:?} (unexpected)")),
    }

    // 4. Closing is dropping: whatever the generator holds is cleaned up.
    let mut guarded = Guarded {
        inner: Fib::new(1_000_000),
        _guard: Guard(timeline.clone()),
    };
    for _ in 0..3 {
        guarded.resume(());
        resumes += 1;
    }
    timeline.log("fib", "resumed 3 of 1000000, then closed:");
    guarded.close();

    // 5. Delegation: `average()` is `yield from running_sum()` plus a division.
    let mut average = Average::new();
    for number in [4, 8, 9] {
        let state = average.resume(Some(number));
        resumes += 1;
        timeline.log(
            "average",
            format!("sent {number} -> {state:?} (the running sum's total, passed up)"),
        );
    }
    let state = average.resume(None);
    resumes += 1;
    timeline.log(
        "average",
        format!("sent None -> {state:?} (the sub-generator returned its summary; average divided)"),
    );

    // 6. A recursive generator: an in-order walk that returns the node count.
    let tree = Tree::from_values([50, 30, 70, 20, 40, 60, 80]);
    let mut walk = tree.walk();
    let mut seen = Vec::new();
    let count = loop {
        resumes += 1;
        match walk.resume(()) {
            GeneratorState::Yielded(value) => seen.push(*value),
            GeneratorState::Complete(count) => break count,
        }
    };
    timeline.log(
        "walk",
        format!(
            "tree of 50 30 70 20 40 60 80 walked in order: {}; returned {count}",
            join(&seen)
        ),
    );

    timeline.log(
        "demo",
        format!(
            "{resumes} resumes above; a resume costs {:.1} ns (measured over {RESUMES_TIMED} of them): \
             a plain method call",
            resume_cost_ns()
        ),
    );
    timeline.log(
        "demo",
        format!(
            "a paused generator is only its state, no stack of its own: \
             Fib is {} bytes, RunningSum {}, Average {}, Walk {}",
            size_of::<Fib>(),
            size_of::<RunningSum>(),
            size_of::<Average>(),
            size_of::<crate::Walk<'_, i32>>(),
        ),
    );
    Ok(())
}

/// How many resumes [`resume_cost_ns`] times.
const RESUMES_TIMED: u32 = 1_000_000;

/// The average time of one `resume` of a running sum, in nanoseconds.
fn resume_cost_ns() -> f64 {
    let mut sum = RunningSum::new();
    let started = Instant::now();
    for n in 0..RESUMES_TIMED {
        // `black_box` keeps the optimizer from folding the loop into one
        // addition, which would time nothing.
        std::hint::black_box(sum.resume(Some(std::hint::black_box(i64::from(n % 7)))));
    }
    started.elapsed().as_secs_f64() * 1e9 / f64::from(RESUMES_TIMED)
}

/// A generator wrapped with something to clean up, to show `close`.
struct Guarded<G> {
    inner: G,
    _guard: Guard,
}

impl<G: Generator> Generator for Guarded<G> {
    type Yield = G::Yield;
    type Return = G::Return;

    fn resume(&mut self, (): ()) -> GeneratorState<G::Yield, G::Return> {
        self.inner.resume(())
    }
}

/// Stands for a file or a socket a generator holds: logs when dropped.
struct Guard(Timeline);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.log(
            "fib",
            "closed: dropping it ran the cleanup of what it held (Python: its `finally`)",
        );
    }
}

fn join<T: std::fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

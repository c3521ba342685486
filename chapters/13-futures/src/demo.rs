//! The chapter's demo: the callback future, an `async fn` beside its state
//! machine, a waker by hand and with `Wake`, and the callback future
//! awaited by a task (chapter 13).

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use course::Timeline;
use ghetto_loop::sys::CpuTime;

use crate::block_on::{WakerKind, block_on};
use crate::greet::{Greet, Voice, greet};
use crate::signal::Signal;
use crate::thread_sleep::ThreadSleep;
use crate::{bridge, callback, raw_waker};

/// How long part 3's future sleeps on its thread.
pub const SLEEP: Duration = Duration::from_millis(50);

/// Runs the four parts, logging every step on `timeline`. Each part checks
/// what it claims and fails the demo if the run says otherwise.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    callback_future(timeline)?;
    async_fn_by_hand(timeline)?;
    wakers(timeline)?;
    awaited(timeline)?;
    Ok(())
}

/// Part 1: pushed. A timer fills the future; the loop runs its callbacks.
pub fn callback_future(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log(
        "part 1",
        "a callback future: set_result on one side, add_done_callback on the other",
    );
    let seen = callback::show(timeline)?;
    if seen.ran_before_set_returned != 0
        || seen.callback_passes.iter().any(|&p| p <= seen.set_in_pass)
        || seen.second_set.is_ok()
    {
        bail!("part 1 did not go as the chapter says: {seen:?}");
    }
    timeline.log(
        "push",
        format!(
            "set_result ran in pass {}, the callbacks in pass {:?}: queued with call_soon, never run inside set_result",
            seen.set_in_pass, seen.callback_passes
        ),
    );
    Ok(())
}

/// Part 2: the same function as an `async fn` and as a hand-written enum.
pub fn async_fn_by_hand(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log(
        "part 2",
        "an async fn, and its state machine written by hand",
    );
    let before = timeline.events().len();
    let compiled = greet(Voice::new(timeline, "async fn"), "world");
    let by_hand = Greet::new(Voice::new(timeline, "by hand"), "world");
    let said = timeline.events().len() - before;
    timeline.log(
        "main",
        format!(
            "made both futures ({} and {} bytes); lines printed by them so far: {said}",
            size_of_val(&compiled),
            size_of_val(&by_hand)
        ),
    );
    let a = block_on(WakerKind::Wake, compiled);
    timeline.log(
        "async fn",
        format!(
            "returned {:?}: {} polls, {} wakes",
            a.output, a.polls, a.wakes
        ),
    );
    let b = block_on(WakerKind::Wake, by_hand);
    timeline.log(
        "by hand",
        format!(
            "returned {:?}: {} polls, {} wakes",
            b.output, b.polls, b.wakes
        ),
    );
    let steps = |who: &str| -> Vec<String> {
        timeline.events()[before..]
            .iter()
            .filter(|e| e.who == who)
            .map(|e| e.what.clone())
            .collect()
    };
    if said != 0 || steps("async fn") != steps("by hand") || a != b {
        bail!("the two versions differ: {a:?} vs {b:?}");
    }
    timeline.log(
        "same",
        "same steps, same output, same polls: .await is the enum's next variant",
    );
    Ok(())
}

/// Part 3: a waker by hand, then with `Wake`, each driving `block_on`.
pub fn wakers(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log(
        "part 3",
        "a waker by hand (RawWakerVTable), then with std::task::Wake",
    );
    let signal = Signal::for_current_thread();
    let waker = raw_waker::waker(signal.clone());
    let copy = waker.clone();
    let refs = Arc::strong_count(&signal);
    waker.wake_by_ref();
    copy.wake();
    drop(waker);
    timeline.log(
        "vtable",
        format!(
            "a waker and its clone: Arc count {refs} (ours + 2); wake_by_ref, then wake: {} wakes counted; both gone: Arc count {}",
            signal.wakes(),
            Arc::strong_count(&signal)
        ),
    );
    // Clear the flag that waking ourselves left, or the next park would not
    // sleep.
    signal.take_woken();

    for (who, kind) in [("vtable", WakerKind::Vtable), ("Wake", WakerKind::Wake)] {
        let (cpu, started) = (CpuTime::this_thread()?, timeline.elapsed());
        let run = block_on(kind, ThreadSleep::new(SLEEP));
        run.output?;
        let (cpu, took) = (
            CpuTime::this_thread()?.total() - cpu.total(),
            timeline.elapsed() - started,
        );
        timeline.log(
            who,
            format!(
                "block_on(ThreadSleep {} ms): done after {:.3} s, {} polls, {} wake, {:.3} s of CPU: parked, not spinning",
                SLEEP.as_millis(),
                took.as_secs_f64(),
                run.polls,
                run.wakes,
                cpu.as_secs_f64()
            ),
        );
        if run.polls != 2 || run.wakes != 1 {
            bail!(
                "expected 2 polls and 1 wake, got {} and {}",
                run.polls,
                run.wakes
            );
        }
    }
    Ok(())
}

/// Part 4: a task awaits the callback future; a timer callback fills it.
pub fn awaited(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log(
        "part 4",
        "the callback future, awaited by a task on the loop",
    );
    let seen = bridge::show(timeline)?;
    if seen.resumed_in_pass <= seen.set_in_pass || seen.polls != 2 {
        bail!("part 4 did not go as the chapter says: {seen:?}");
    }
    timeline.log(
        "pull",
        format!(
            "set in pass {}, resumed in pass {}: the waker queued the task, and the loop polled it again",
            seen.set_in_pass, seen.resumed_in_pass
        ),
    );
    Ok(())
}

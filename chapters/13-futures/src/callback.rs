//! Part 1: the callback future, asyncio's shape: a box that a timer fills
//! and whose callbacks the loop runs (chapter 13).
//!
//! Everything here is pushed. Whoever has the result calls `set_result`;
//! whoever wants it has left a callback with `add_done_callback`. The
//! future sits between the two and owes each side one promise:
//!
//! * the side that sets the result is never interrupted by the callbacks:
//!   they are queued with `call_soon` and run on a later pass of the loop,
//!   after `set_result` has returned (asyncio does the same, so that a
//!   callback never finds its setter half done);
//! * a future is done once: a second `set_result` is an error
//!   (`AlreadyDone`), and asking for the result too early is one too
//!   (`NotDone`), never a panic and never a silent default.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use anyhow::bail;
use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::future::FutureError;

/// How long the timer waits before it fills the future.
pub const FILL_AFTER: Duration = Duration::from_millis(100);

/// What part 1 saw, for the demo's summary and the tests.
#[derive(Debug)]
pub struct Outcome {
    /// What `result()` said before the future was done.
    pub too_early: FutureError,
    /// The pass of the loop in which the timer called `set_result`.
    pub set_in_pass: u64,
    /// The passes in which the two done callbacks ran.
    pub callback_passes: Vec<u64>,
    /// How many done callbacks had run when `set_result` returned.
    pub ran_before_set_returned: usize,
    /// What the second `set_result` returned.
    pub second_set: Result<(), FutureError>,
    /// What `run_until_complete` handed back.
    pub result: Result<&'static str, FutureError>,
}

/// Runs part 1 on a new loop, logging every step on `timeline`.
pub fn show(timeline: &Timeline) -> anyhow::Result<Outcome> {
    let lp = EventLoop::new()?;
    let fut = lp.create_future::<&'static str>();
    timeline.log("main", format!("created a future: {fut:?}"));

    let too_early = match fut.result() {
        Err(e) => e,
        Ok(value) => bail!("a new future already had a result: {value:?}"),
    };
    timeline.log(
        "main",
        format!("result() before it is done: Err({too_early:?}): {too_early}"),
    );

    // Two callbacks, each noting the pass it ran in.
    let ran = Rc::new(Cell::new(0));
    let callback_passes = Rc::new(RefCell::new(Vec::new()));
    for name in ["cb-1", "cb-2"] {
        let (timeline, ran, passes, handle) = (
            timeline.clone(),
            ran.clone(),
            callback_passes.clone(),
            lp.handle(),
        );
        fut.add_done_callback(move |f| {
            let pass = current_pass(&handle);
            ran.set(ran.get() + 1);
            passes.borrow_mut().push(pass);
            timeline.log(
                name,
                format!("runs in pass {pass}: result() = {:?}", f.result()),
            );
        });
    }
    timeline.log(
        "main",
        format!(
            "added 2 done callbacks, cb-1 and cb-2; a timer will call set_result in {:.3} s",
            FILL_AFTER.as_secs_f64()
        ),
    );

    // The timer fills the future, then tries to fill it again.
    let filled = Rc::new(Cell::new(None));
    {
        let (timeline, fut, ran, filled, handle) = (
            timeline.clone(),
            fut.clone(),
            ran.clone(),
            filled.clone(),
            lp.handle(),
        );
        lp.call_later(FILL_AFTER, move || {
            let pass = current_pass(&handle);
            timeline.log("timer", format!("fires in pass {pass}: set_result(\"pong\")"));
            let first = fut.set_result("pong");
            let ran_so_far = ran.get();
            timeline.log(
                "timer",
                format!(
                    "set_result returned {first:?}; done callbacks run so far: {ran_so_far} (they wait in the ready queue)"
                ),
            );
            let second = fut.set_result("again");
            match &second {
                Err(e) => timeline.log("timer", format!("set_result(\"again\"): Err({e:?}): {e}")),
                Ok(()) => timeline.log("timer", "set_result(\"again\") was accepted (it should not be)"),
            }
            filled.set(Some((pass, ran_so_far, second)));
        });
    }

    // asyncio's run_until_complete(future), made of chapter 11's
    // `run_until_complete` and one more done callback.
    let result = lp.run_until_complete(move |done| {
        fut.add_done_callback(move |f| done.set(f.result()));
    })?;
    timeline.log("main", format!("run_until_complete returned {result:?}"));

    let Some((set_in_pass, ran_before_set_returned, second_set)) = filled.take() else {
        bail!("the loop finished before the timer filled the future");
    };
    Ok(Outcome {
        too_early,
        set_in_pass,
        callback_passes: callback_passes.take(),
        ran_before_set_returned,
        second_set,
        result,
    })
}

/// The number of the pass running now. `Stats::passes` counts passes that
/// have ended, and a callback runs inside the one after them.
pub fn current_pass(lp: &LoopHandle) -> u64 {
    lp.stats().passes + 1
}

//! The chapter's demo: tasks spawned, joined, detached, aborted and
//! panicking; wakers called from another thread and called three times;
//! and a task that stalls the loop (chapter 14).

use std::time::Duration;

use anyhow::bail;
use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, Report};

use crate::{cancel, handles, stall, wakers};

/// How long the waking thread "works" before it calls the waker: long
/// enough that the loop is asleep in its selector when the wake comes.
pub const THREAD_WORK: Duration = Duration::from_millis(50);

/// Runs every part on one loop, logging each step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let handle = lp.handle();
    {
        let timeline = timeline.clone();
        handle.set_report_handler(move |report: &Report| {
            timeline.log("loop", format!("report: {report}"));
        });
    }
    {
        // Only the pass that a thread's wake-up ended is worth a line.
        let timeline = timeline.clone();
        handle.on_pass(move |pass| {
            if pass.threadsafe > 0 {
                timeline.log(
                    "loop",
                    format!(
                        "pass {}: slept {:.3} s in the selector; the doorbell rang, {} wake-up came in through the door",
                        pass.number,
                        pass.waited.as_secs_f64(),
                        pass.threadsafe
                    ),
                );
            }
        });
    }
    timeline.log(
        "loop",
        format!("a new event loop on {}", handle.selector_name()),
    );
    lp.block_on(parts(timeline))?
}

/// The parts, in order, as one future for `block_on`.
async fn parts(timeline: &Timeline) -> anyhow::Result<()> {
    handles::spawn_and_join(timeline).await?;
    if !handles::detach(timeline).await? {
        bail!("the detached task did not finish");
    }
    cancel::abort(timeline).await?;

    // The loop reports the panic with the task's name and spawn site; the
    // default hook would print it a second time, in another shape.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let panicked = cancel::panic_next_door(timeline).await;
    std::panic::set_hook(hook);
    panicked?;

    wakers::wake_from_thread(timeline, THREAD_WORK).await?;
    wakers::woken_many_times(timeline, 3).await?;
    let ticks = stall::show(timeline).await?;
    timeline.log(
        "stall",
        format!(
            "ticks while the busy task ran: {} without an await, {} with yield_now()",
            ticks.while_stalling, ticks.while_yielding
        ),
    );
    Ok(())
}

//! `spawn` and `JoinHandle`: start tasks, get their values back, or let
//! them go (chapter 14).
//!
//! `spawn` does not run anything. It puts the future in the loop's table
//! and its task at the back of the ready queue; the task is first polled on
//! the loop's next pass, after whatever was queued before it.

use std::time::Duration;

use course::Timeline;
use ghetto_loop::event_loop::LoopHandle;
use ghetto_loop::task;

use crate::nap::nap;

/// Spawns two tasks, shows that spawning ran neither, and adds up their
/// results through their `JoinHandle`s. Returns the sum (42).
pub async fn spawn_and_join(timeline: &Timeline) -> anyhow::Result<u32> {
    let t = timeline.clone();
    let a = task::spawn(async move {
        t.log("task a", "first poll: returns 20");
        20
    });
    let t = timeline.clone();
    let b = task::spawn(async move {
        t.log("task b", "first poll: returns 22");
        22
    });
    timeline.log(
        "main",
        format!(
            "spawned {} and {}: queued, not run (is_finished: {}, {})",
            a.id(),
            b.id(),
            a.is_finished(),
            b.is_finished()
        ),
    );
    // One pass of the loop: `yield_now` queues this future behind the two
    // tasks, so both run before it goes on.
    task::yield_now().await;
    timeline.log(
        "main",
        format!(
            "after one yield_now: is_finished: {}, {}",
            a.is_finished(),
            b.is_finished()
        ),
    );
    let total = a.await? + b.await?;
    timeline.log("main", format!("a.await? + b.await? = {total}"));
    Ok(total)
}

/// Spawns a task, drops its `JoinHandle` at once, and waits (by other
/// means) for the task to finish anyway. Returns whether it did.
pub async fn detach(timeline: &Timeline) -> anyhow::Result<bool> {
    let lp = LoopHandle::current();
    // The handle is gone, so the task reports its end through this.
    let finished = lp.create_future::<()>();
    let (t, tell) = (timeline.clone(), finished.clone());
    let handle = task::spawn(async move {
        nap(Duration::from_millis(20)).await;
        t.log(
            "detached",
            "finishes its work, though nobody holds its handle",
        );
        // Only this task completes the future.
        let _ = tell.set_result(());
    });
    let id = handle.id();
    drop(handle);
    timeline.log(
        "main",
        format!("dropped the JoinHandle of {id}: the task is detached, not cancelled"),
    );
    Ok(finished.await.is_ok())
}

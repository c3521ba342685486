//! `abort`, and a task that panics: two ways a task ends without a value,
//! both reported through its `JoinHandle` (chapter 14).
//!
//! Cancelling a task is dropping its future. `abort` only marks the task
//! and queues it; on its next turn the loop drops the future instead of
//! polling it, so the future's destructors run on the loop's thread, at a
//! place where nothing of the loop is borrowed.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use anyhow::bail;
use course::Timeline;
use ghetto_loop::task::{self, JoinError};

use crate::nap::nap;

/// Says on the timeline when it is dropped, and sets a flag: the proof that
/// a cancelled future's destructors ran, and when.
#[derive(Debug)]
pub struct DropGuard {
    who: &'static str,
    timeline: Timeline,
    dropped: Rc<Cell<bool>>,
}

impl DropGuard {
    /// A guard that logs as `who`; `dropped` turns true when it is dropped.
    pub fn new(who: &'static str, timeline: &Timeline, dropped: Rc<Cell<bool>>) -> DropGuard {
        DropGuard {
            who,
            timeline: timeline.clone(),
            dropped,
        }
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.dropped.set(true);
        self.timeline.log(
            self.who,
            "its future is dropped: the guard's destructor runs",
        );
    }
}

/// What [`abort`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aborted {
    /// Whether the guard was already dropped when `abort()` returned (no:
    /// abort only asks).
    pub dropped_inside_abort: bool,
    /// Whether it was dropped by the time the handle gave its error.
    pub dropped_before_join: bool,
    /// The handle's error.
    pub error: JoinError,
}

/// Spawns a task that holds a [`DropGuard`] and waits forever, aborts it,
/// and awaits its handle.
pub async fn abort(timeline: &Timeline) -> anyhow::Result<Aborted> {
    let dropped = Rc::new(Cell::new(false));
    let guard = DropGuard::new("victim", timeline, dropped.clone());
    let t = timeline.clone();
    let victim = task::spawn_named("victim", async move {
        let _guard = guard;
        t.log("victim", "runs, then waits for something that never comes");
        std::future::pending::<()>().await;
    });
    // Let it run up to its await.
    task::yield_now().await;
    victim.abort();
    let dropped_inside_abort = dropped.get();
    timeline.log(
        "main",
        format!("abort() returned; guard dropped yet: {dropped_inside_abort}"),
    );
    let error = match victim.await {
        Ok(()) => bail!("the aborted task finished"),
        Err(error) => error,
    };
    timeline.log(
        "main",
        format!(
            "the handle gave Err({error}); is_cancelled: {}",
            error.is_cancelled()
        ),
    );
    Ok(Aborted {
        dropped_inside_abort,
        dropped_before_join: dropped.get(),
        error,
    })
}

/// What [`panic_next_door`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    /// The panicking task's error.
    pub error: JoinError,
    /// What the other task returned.
    pub survivor: &'static str,
}

/// Spawns a task that panics and one that goes on working, and awaits both.
///
/// The loop catches the panic and reports it (to stderr, or to the report
/// handler); the default panic hook prints it too, unless the caller
/// silenced it.
pub async fn panic_next_door(timeline: &Timeline) -> anyhow::Result<Panicked> {
    let t = timeline.clone();
    let doomed = task::spawn_named("doomed", async move {
        t.log("doomed", "runs, and panics");
        free_space()
    });
    let t = timeline.clone();
    let survivor = task::spawn_named("survivor", async move {
        nap(Duration::from_millis(10)).await;
        t.log("survivor", "still at work after the panic next door");
        "done"
    });
    let error = match doomed.await {
        Ok(_) => bail!("the panicking task returned a value"),
        Err(error) => error,
    };
    timeline.log(
        "main",
        format!(
            "doomed's handle gave Err({error}); panic_message: {:?}",
            error.panic_message()
        ),
    );
    let survivor = survivor.await?;
    timeline.log("main", format!("survivor's handle gave Ok({survivor:?})"));
    Ok(Panicked { error, survivor })
}

/// The doomed task's work: it fails the way a bug fails, with a panic.
fn free_space() -> u64 {
    panic!("the disk is full")
}

//! Groups inside groups: an error travels up, a cancellation travels down
//! (chapter 18).
//!
//! A child of a group may run a group of its own. When an inner child
//! fails, the inner group returns its error; the child that ran it returns
//! that error in turn (it is a `BoxError` like any other), and the outer
//! group cancels its own children and reports it, nested name and all.
//!
//! The other way, a `timeout` around the outer group drops the outer
//! group's future. Its guard aborts the outer children; one of them is
//! running the inner group, whose future is dropped with it, and whose
//! guard aborts the inner children. Two turns of the loop later, every
//! child at both levels has been dropped.
//!
//! Nothing on the way can refuse. An asyncio task can catch
//! `CancelledError` and carry on, and nested task groups must take care
//! to pass a cancellation meant for their parent on instead of swallowing
//! it. A dropped Rust future is not asked: it is gone, and only its
//! destructors run.

use std::time::Duration;

use ch16_timers::diary::Diary;
use ghetto_loop::scope::{BoxError, GroupError, group};
use ghetto_loop::time::{Elapsed, sleep, timeout};

use crate::noisy::{Noisy, work};

/// How long the `timeout` around the outer group waits.
pub const PATIENCE: Duration = Duration::from_millis(250);

/// How long part 4 then watches the loop, to show that nothing runs on.
pub const WATCH: Duration = Duration::from_secs(60);

/// An outer group whose "report" child runs an inner group; an inner child
/// fails, and the error comes up through both.
pub async fn error_travels_up(diary: &Diary) -> Result<(), GroupError> {
    let d = diary.clone();
    let result = group(|outer| async move {
        outer.spawn(
            "sibling",
            work(d.clone(), "sibling", Duration::from_secs(1), None),
        );
        outer.spawn("report", async move {
            let guard = Noisy::new(&d, "report");
            let inner = group(|inner| async move {
                inner.spawn(
                    "rows",
                    work(d.clone(), "rows", Duration::from_millis(50), None),
                );
                inner.spawn(
                    "totals",
                    work(
                        d,
                        "totals",
                        Duration::from_millis(100),
                        Some("division by zero"),
                    ),
                );
                Ok(())
            })
            .await;
            // It returned, if with an error: not a drop halfway.
            guard.finish();
            // The inner group's error is this child's error.
            Ok(inner?)
        });
        Ok(())
    })
    .await;
    if let Err(e) = &result {
        diary.log("outer", format!("returned Err({e})"));
    }
    result
}

/// A `timeout` of [`PATIENCE`] around an outer group with one slow child
/// and one child that runs an inner group of two slow children.
pub async fn cancelled_from_outside(diary: &Diary) -> Result<Result<(), GroupError>, Elapsed> {
    let d = diary.clone();
    let outer = group(|outer| async move {
        outer.spawn(
            "outer-1",
            work(d.clone(), "outer-1", Duration::from_secs(10), None),
        );
        outer.spawn("inner", async move {
            let guard = Noisy::new(&d, "inner");
            let inner = group(|inner| async move {
                inner.spawn(
                    "inner-1",
                    work(d.clone(), "inner-1", Duration::from_secs(10), None),
                );
                inner.spawn("inner-2", work(d, "inner-2", Duration::from_secs(20), None));
                Ok(())
            })
            .await;
            guard.finish();
            Ok::<(), BoxError>(inner?)
        });
        Ok(())
    });
    let result = timeout(PATIENCE, outer).await;
    if let Err(e) = &result {
        diary.log(
            "timeout",
            format!("{e}: the outer group's future is dropped; its children are aborted"),
        );
    }
    result
}

/// Part 4, second half: the timeout, then [`WATCH`] of loop time in which
/// no child may write a line.
pub async fn cancelled_and_watched(diary: &Diary) -> Result<Result<(), GroupError>, Elapsed> {
    let result = cancelled_from_outside(diary).await;
    let lines = diary.lines().len();
    sleep(WATCH).await;
    // The drops themselves happen on the loop's next turns, in this sleep;
    // anything else written meanwhile would be a child still running.
    let later: Vec<_> = diary.lines()[lines..]
        .iter()
        .filter(|l| !l.what.ends_with(crate::noisy::DROPPED))
        .cloned()
        .collect();
    diary.log(
        "watch",
        format!(
            "{} s later on the loop's clock: {} lines from children that run on",
            WATCH.as_secs(),
            later.len()
        ),
    );
    result
}

//! Chapter 09's two tasks, `a` and `b`, written with `async`/`await` on
//! ghetto-loop's `sleep` (chapter 16).
//!
//! Chapter 09 wrote them as generators that yielded "sleep for d" to a
//! scheduler of its own, which kept a heap of wake-up times and slept the
//! thread until the nearest. Here the same story is two `async fn`s, and
//! the heap is the loop's: each `sleep(d).await` puts an entry in it that
//! holds the task's waker.
//!
//! ```python
//! def a():                        def b():
//!     log("a enter")                  log("b enter")
//!     yield sleep(1.0)                yield sleep(0.5)
//!     log("a exit")                   log("b middle")
//!                                     yield sleep(0.5)
//!                                     log("b exit")
//! ```

use std::time::Duration;

use ghetto_loop::task;
use ghetto_loop::time::{join, sleep};

use crate::diary::Diary;

/// How long `a` sleeps, and `b` in total (in two halves); chapter 09's
/// `NAP`.
pub const NAP: Duration = Duration::from_secs(1);

/// `a`: enter, sleep [`NAP`], exit.
pub async fn a(diary: &Diary) {
    diary.log("a", "enter");
    sleep(NAP).await;
    diary.log("a", "exit");
}

/// `b`: enter, sleep half of [`NAP`], "middle", sleep the other half, exit.
pub async fn b(diary: &Diary) {
    diary.log("b", "enter");
    sleep(NAP / 2).await;
    diary.log("b", "middle");
    sleep(NAP / 2).await;
    diary.log("b", "exit");
}

/// Chapter 09's `run(a, b)`, as one task polling both (`join`, asyncio's
/// `gather`). `a` is polled first, so it enters first, as in chapter 09.
pub async fn joined(diary: &Diary) {
    join(a(diary), b(diary)).await;
}

/// The same, as two spawned tasks. Spawned tasks must own what they use,
/// so each gets a clone of the diary (they share its lines).
pub async fn spawned(diary: &Diary) {
    let (for_a, for_b) = (diary.clone(), diary.clone());
    let a = task::spawn(async move { a(&for_a).await });
    let b = task::spawn(async move { b(&for_b).await });
    // Neither task panics; an error here would be a bug in this file.
    let _ = (a.await, b.await);
}

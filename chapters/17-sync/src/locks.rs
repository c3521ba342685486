//! A lock held across an `.await`: the async `Mutex` makes the other task
//! wait; `std::sync::Mutex` stops the loop for good (chapter 17).
//!
//! Task A locks, then awaits a `sleep` *while holding the lock* (a
//! transaction that waits for the database, say). Task B wants the lock
//! meanwhile. A ticker task beside them shows whether the loop is alive.
//!
//! * With ghetto-loop's [`Mutex`], B's `lock().await` parks B's waker in
//!   the lock's queue and returns `Pending`. The loop runs on: the ticker
//!   ticks, A's sleep ends, A unlocks, and the unlock hands the lock to B.
//! * With `std::sync::Mutex`, B's `lock()` does not return `Pending`: it
//!   blocks the *thread*. On a loop the thread is every task at once, so A
//!   can never run again to unlock: a deadlock of one thread with itself.
//!   (std says locking a mutex the same thread holds "might panic or
//!   deadlock"; on Linux it deadlocks.)
//!
//! The std case is shown twice, both bounded so that nothing hangs:
//! [`std_try_lock`] asks with `try_lock` on the loop and gets `WouldBlock`
//! where `lock()` would have blocked; [`std_lock_stall`] really calls
//! `lock()`, on a loop of its own in a thread of its own, and a watchdog
//! on the calling thread sees that loop stop. That thread is left blocked:
//! nothing can ever wake it, which is the point. It ends with the process.
//!
//! Clippy knows this bug: holding a `std::sync::MutexGuard` across an
//! `.await` is its `await_holding_lock` lint, allowed below on purpose.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::sync::Mutex;
use ghetto_loop::task::{self, JoinHandle};
use ghetto_loop::time::{interval, sleep};

use crate::Diary;

/// How long A holds the lock, sleeping.
pub const HOLD: Duration = Duration::from_millis(200);

/// The ticker's period. Not a divisor of [`HOLD`], so that no tick is due
/// at the very moment A unlocks.
pub const TICK: Duration = Duration::from_millis(45);

/// How long the watchdog of [`std_lock_stall`] watches the stuck loop.
pub const PATIENCE: Duration = Duration::from_millis(300);

/// What [`async_mutex`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waited {
    /// Ticks while B waited for the lock.
    pub ticks_while_waiting: u64,
    /// How long B waited.
    pub waited: Duration,
}

/// A ticker that counts (and logs) its ticks until aborted.
fn ticker(diary: &Diary, period: Duration, ticks: Rc<Cell<u64>>) -> JoinHandle<()> {
    let diary = diary.clone();
    task::spawn(async move {
        let mut every = interval(period);
        loop {
            every.tick().await;
            ticks.set(ticks.get() + 1);
            diary.log("ticker", format!("tick {}", ticks.get()));
        }
    })
}

/// A holds the async lock for `hold`, sleeping; B waits for it; a ticker
/// with `tick` runs beside them.
pub async fn async_mutex(diary: &Diary, hold: Duration, tick: Duration) -> Waited {
    let ticks = Rc::new(Cell::new(0));
    let lock = Rc::new(Mutex::new(Vec::<&str>::new()));
    let ticking = ticker(diary, tick, ticks.clone());
    let a = {
        let (diary, lock) = (diary.clone(), lock.clone());
        task::spawn(async move {
            let mut log = lock.lock().await;
            diary.log(
                "A",
                format!(
                    "locked; awaits sleep({} ms) holding the lock",
                    hold.as_millis()
                ),
            );
            sleep(hold).await;
            log.push("A was here");
            diary.log("A", "unlocks: the lock is handed to the first in line");
            // `log`, the guard, is dropped here: that is the unlock.
        })
    };
    let b = {
        let (diary, lock, ticks) = (diary.clone(), lock.clone(), ticks.clone());
        task::spawn(async move {
            let (asked, ticks_then) = (diary.now(), ticks.get());
            diary.log(
                "B",
                "lock().await: A has it, so B parks in its queue (Pending)",
            );
            let mut log = lock.lock().await;
            log.push("B was here");
            let waited = diary.now() - asked;
            let ticks_while_waiting = ticks.get() - ticks_then;
            diary.log(
                "B",
                format!(
                    "got the lock after {} ms; the ticker ticked {ticks_while_waiting} times meanwhile",
                    waited.as_millis()
                ),
            );
            Waited {
                ticks_while_waiting,
                waited,
            }
        })
    };
    a.await.expect("A never panics");
    let waited = b.await.expect("B never panics");
    ticking.abort();
    waited
}

/// A holds a `std::sync::Mutex` across an `.await`; B asks for it with
/// `try_lock`, on the loop. Returns whether B was refused.
///
/// `try_lock` answers at once, so nothing blocks; its `WouldBlock` is
/// exactly where a `lock()` would have blocked the loop's thread.
#[allow(clippy::await_holding_lock)] // the bug this function shows
pub async fn std_try_lock(diary: &Diary, hold: Duration) -> bool {
    let lock = Rc::new(std::sync::Mutex::new(0u32));
    let a = {
        let (diary, lock) = (diary.clone(), lock.clone());
        task::spawn(async move {
            let mut n = lock.lock().unwrap_or_else(|p| p.into_inner());
            diary.log(
                "A",
                format!(
                    "std lock() taken; awaits sleep({} ms) holding it",
                    hold.as_millis()
                ),
            );
            sleep(hold).await;
            *n += 1;
            diary.log("A", "unlocks its std mutex");
        })
    };
    let b = {
        let (diary, lock) = (diary.clone(), lock.clone());
        task::spawn(async move {
            let refused = matches!(lock.try_lock(), Err(std::sync::TryLockError::WouldBlock));
            if refused {
                diary.log(
                    "B",
                    "std try_lock(): WouldBlock. A lock() here would block the loop's only thread, and A could never run to unlock",
                );
            }
            refused
        })
    };
    a.await.expect("A never panics");
    b.await.expect("B never panics")
}

/// What the watchdog of [`std_lock_stall`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stall {
    /// Ticks of the stuck loop's ticker when B called `lock()`.
    pub ticks_before: u64,
    /// Ticks after the watchdog's patience ran out.
    pub ticks_after: u64,
    /// Whether A's sleep ever ended (it was due long before the end).
    pub a_woke: bool,
    /// Whether B's `lock()` ever returned.
    pub b_locked: bool,
    /// How the loop's thread ended, if it did: `None` while it is stuck.
    pub thread_ended: Option<String>,
}

/// Flags the stuck loop's tasks set, read by the watchdog on another
/// thread (so atomics, not `Cell`s).
#[derive(Debug, Default)]
struct Flags {
    ticks: AtomicU64,
    b_locking: AtomicBool,
    b_locked: AtomicBool,
    a_woke: AtomicBool,
}

/// Runs A, B and a ticker on a loop in a thread of its own, B calling
/// `std::sync::Mutex::lock` while A holds the mutex across a `sleep(hold)`,
/// and watches that loop for `patience` after B's call.
///
/// The loop's thread is left behind, blocked in `lock()` for good (if it
/// blocked): no code can reach it, and the process's exit ends it.
#[allow(clippy::await_holding_lock)] // the bug this function shows
pub fn std_lock_stall(
    timeline: &Timeline,
    hold: Duration,
    tick: Duration,
    patience: Duration,
) -> Stall {
    let flags = Arc::new(Flags::default());
    let thread = {
        let (flags, timeline) = (flags.clone(), timeline.clone());
        thread::Builder::new()
            .name("stuck-loop".into())
            .spawn(move || -> std::io::Result<()> {
                let lp = EventLoop::new()?;
                let diary = Diary::new(&timeline, &lp.handle());
                lp.block_on(async {
                    let ticking = {
                        let flags = flags.clone();
                        task::spawn(async move {
                            let mut every = interval(tick);
                            loop {
                                every.tick().await;
                                flags.ticks.fetch_add(1, Ordering::SeqCst);
                            }
                        })
                    };
                    let lock = Rc::new(std::sync::Mutex::new(0u32));
                    let a = {
                        let (diary, lock, flags) = (diary.clone(), lock.clone(), flags.clone());
                        task::spawn(async move {
                            let mut n = lock.lock().unwrap_or_else(|p| p.into_inner());
                            diary.log(
                                "A",
                                format!(
                                    "std lock() taken; awaits sleep({} ms) holding it",
                                    hold.as_millis()
                                ),
                            );
                            sleep(hold).await;
                            flags.a_woke.store(true, Ordering::SeqCst);
                            *n += 1;
                        })
                    };
                    let b = {
                        let (diary, lock, flags) = (diary.clone(), lock.clone(), flags.clone());
                        task::spawn(async move {
                            diary.log("B", "calls std lock() on the loop's thread...");
                            flags.b_locking.store(true, Ordering::SeqCst);
                            let n = lock.lock().unwrap_or_else(|p| p.into_inner());
                            flags.b_locked.store(true, Ordering::SeqCst);
                            drop(n);
                        })
                    };
                    let _ = a.await;
                    let _ = b.await;
                    ticking.abort();
                })
            })
            .expect("spawning a thread")
    };
    // Wait (bounded) for B's call, then watch.
    let called = course::testing::wait_until(course::testing::PATIENCE, || {
        flags.b_locking.load(Ordering::SeqCst) || thread.is_finished()
    });
    let ticks_before = flags.ticks.load(Ordering::SeqCst);
    let watched = Instant::now();
    while watched.elapsed() < patience && !thread.is_finished() {
        thread::sleep(Duration::from_millis(5));
    }
    let thread_ended = if thread.is_finished() {
        Some(match thread.join() {
            Ok(Ok(())) => "it finished".to_string(),
            Ok(Err(e)) => format!("its loop failed: {e}"),
            Err(_) => "it panicked (std may panic on a second lock by one thread)".to_string(),
        })
    } else if !called {
        Some("B never got to call lock()".to_string())
    } else {
        // Dropping the handle detaches the thread, blocked as it is.
        None
    };
    Stall {
        ticks_before,
        ticks_after: flags.ticks.load(Ordering::SeqCst),
        a_woke: flags.a_woke.load(Ordering::SeqCst),
        b_locked: flags.b_locked.load(Ordering::SeqCst),
        thread_ended,
    }
}

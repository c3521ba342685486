//! `Event`: a flag that tasks wait for, asyncio's `asyncio.Event` (chapter 17).
//!
//! [`set`](Event::set) raises the flag and wakes every waiter;
//! [`clear`](Event::clear) lowers it; [`wait`](Event::wait) returns at once
//! while it is raised, and otherwise waits for the next `set`.
//!
//! # State and invariants
//!
//! ```text
//!   State { is_set, sets, waiters: [(key, waker), ...], next_key }
//! ```
//!
//! * `waiters` is empty while `is_set`: `set` empties it, and nobody waits
//!   for a raised flag.
//! * `sets` counts the calls of `set` that raised the flag. A waiter notes
//!   it when it queues; once it has changed, a `set` happened since, and
//!   the waiter returns **even if the flag was cleared again before it ran**
//!   (asyncio's rule: a waiter woken by `set` does not go back to sleep
//!   because of a later `clear`).
//! * Keys grow with every waiter, so the queue is sorted by key and a
//!   waiter that gives up finds its entry by binary search.
//!
//! **What a wake means**: the flag was set after this waiter queued; it
//! returns when polled, without looking at the flag again. Each waiter is
//! woken once per wait, so a `set` with a thousand waiters costs a
//! thousand wakes and a thousand polls, not a million.
//!
//! Simplification: a dropped waiter's entry is removed with a shift of the
//! entries behind it (O(n)); tokio's `Notify` unlinks it from an intrusive
//! list in O(1).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A flag that tasks can wait to see raised.
///
/// ```
/// use ghetto_loop::sync::Event;
/// use ghetto_loop::task;
/// use std::rc::Rc;
///
/// ghetto_loop::run(async {
///     let ready = Rc::new(Event::new());
///     let waiters: Vec<_> = (0..3)
///         .map(|i| {
///             let ready = ready.clone();
///             task::spawn(async move {
///                 ready.wait().await;
///                 i
///             })
///         })
///         .collect();
///     task::yield_now().await; // they all wait now
///     ready.set();
///     for (i, w) in waiters.into_iter().enumerate() {
///         assert_eq!(w.await.unwrap(), i);
///     }
///     ready.wait().await; // still set: returns at once
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Event {
    state: RefCell<State>,
}

/// The event's state; see the module's header for its invariants.
struct State {
    is_set: bool,
    /// How many times `set` raised the flag.
    sets: u64,
    /// Waiting tasks, by key, oldest first. Empty while `is_set`.
    waiters: VecDeque<(u64, Waker)>,
    /// The key of the next waiter to queue.
    next_key: u64,
}

/// The future of [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a> {
    event: &'a Event,
    stage: Stage,
}

enum Stage {
    /// Not polled yet.
    Start,
    /// Queued under `key` when `sets` was `sets`.
    Waiting { key: u64, sets: u64 },
    /// Returned.
    Done,
}

impl Event {
    /// A lowered flag, with nobody waiting.
    pub fn new() -> Event {
        Event {
            state: RefCell::new(State {
                is_set: false,
                sets: 0,
                waiters: VecDeque::new(),
                next_key: 0,
            }),
        }
    }

    /// Raises the flag and wakes every waiter, once each. Raising a raised
    /// flag does nothing.
    pub fn set(&self) {
        let waiters = {
            let mut state = self.state.borrow_mut();
            if state.is_set {
                return;
            }
            state.is_set = true;
            state.sets += 1;
            // The whole queue leaves at once (a move, no allocation), to be
            // woken after the borrow.
            std::mem::take(&mut state.waiters)
        };
        for (_, waker) in waiters {
            waker.wake();
        }
    }

    /// Lowers the flag. Waiters woken by a `set` before it still return.
    pub fn clear(&self) {
        self.state.borrow_mut().is_set = false;
    }

    /// Whether the flag is raised.
    pub fn is_set(&self) -> bool {
        self.state.borrow().is_set
    }

    /// Returns once the flag is raised: at once if it is, else at the next
    /// [`set`](Event::set) (even if a `clear` follows before this task runs).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropped halfway, it leaves the queue and the event is
    /// as before; a `set` is never used up by a waiter (every waiter sees
    /// it), so nothing is lost for the others.
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            event: self,
            stage: Stage::Start,
        }
    }
}

impl State {
    /// Where the waiter queued under `key` is, if it is still queued.
    fn position(&self, key: u64) -> Option<usize> {
        self.waiters.binary_search_by_key(&key, |(k, _)| *k).ok()
    }
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        match this.stage {
            Stage::Start => {
                if this.event.is_set() {
                    this.stage = Stage::Done;
                    return Poll::Ready(());
                }
                // Cloned before borrowing: a waker's clone is code not ours.
                let waker = cx.waker().clone();
                let mut state = this.event.state.borrow_mut();
                let key = state.next_key;
                state.next_key += 1;
                state.waiters.push_back((key, waker));
                this.stage = Stage::Waiting {
                    key,
                    sets: state.sets,
                };
                Poll::Pending
            }
            Stage::Waiting { key, sets } => {
                {
                    let state = this.event.state.borrow();
                    if state.is_set || state.sets != sets {
                        drop(state);
                        this.stage = Stage::Done;
                        return Poll::Ready(());
                    }
                    // Polled again without a set (the task was woken by
                    // something else it waits for): same task, same waker.
                    let same = state
                        .position(key)
                        .is_some_and(|at| state.waiters[at].1.will_wake(cx.waker()));
                    if same {
                        return Poll::Pending;
                    }
                }
                // The future moved to another task: swap in its waker,
                // cloned before and the old one dropped after the borrow.
                let waker = cx.waker().clone();
                let old = {
                    let mut state = this.event.state.borrow_mut();
                    let at = state.position(key);
                    at.map(|at| std::mem::replace(&mut state.waiters[at].1, waker))
                };
                drop(old);
                Poll::Pending
            }
            Stage::Done => panic!("`Wait` polled after it completed"),
        }
    }
}

impl Drop for Wait<'_> {
    /// Leaves the queue if still in it.
    fn drop(&mut self) {
        if let Stage::Waiting { key, .. } = self.stage {
            let removed = {
                let mut state = self.event.state.borrow_mut();
                let at = state.position(key);
                at.and_then(|at| state.waiters.remove(at))
            };
            // The waker is dropped after the borrow.
            drop(removed);
        }
    }
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Event");
        match self.state.try_borrow() {
            Ok(state) => s
                .field("is_set", &state.is_set)
                .field("waiters", &state.waiters.len()),
            Err(_) => s.field("state", &"busy"),
        };
        s.finish()
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::Start => "start",
            Stage::Waiting { .. } => "waiting",
            Stage::Done => "done",
        };
        f.debug_struct("Wait").field("stage", &stage).finish()
    }
}

//! How the shell's tasks share state: on one thread, or across threads
//! (chapter 21).
//!
//! `shell.rs` shares its state as `Shared<Guarded<T>>` and touches it only
//! through `Guarded::with`. Each adapter says what the two names are:
//!
//! | adapter | `Shared` | `Guarded` | why |
//! |---------|----------|-----------|-----|
//! | ghetto-loop, tokio current-thread | `Rc` | [`OneThread`] (a `RefCell`) | every task runs on the one thread |
//! | tokio multi-thread | `Arc` | [`Locked`] (a `Mutex`) | a task may run on any worker, and move between them |
//!
//! `with` takes a closure, and a closure cannot `.await`: so the borrow or
//! the lock is never held across an `.await`, by construction rather than
//! by care. (A `RefCell` borrowed across an `.await` panics when another
//! task borrows it; a `std::sync::Mutex` held across one blocks a worker
//! thread, or deadlocks it.) Nor may a closure call `with` on the same
//! value again: that panics on the one and deadlocks on the other.

use std::cell::RefCell;
use std::sync::{Mutex, PoisonError};

/// A value the tasks of one thread share: a `RefCell`, borrowed for the
/// length of one [`with`](OneThread::with). Not `Sync`, so it cannot leave
/// the thread behind an `Arc` by mistake.
#[derive(Debug, Default)]
pub struct OneThread<T>(RefCell<T>);

impl<T> OneThread<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> OneThread<T> {
        OneThread(RefCell::new(value))
    }

    /// Runs `f` on the value, borrowed mutably.
    ///
    /// # Panics
    ///
    /// If called from inside another `with` on the same value.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }
}

/// A value the tasks of many threads share: a `Mutex`, locked for the
/// length of one [`with`](Locked::with).
///
/// A `std::sync::Mutex`, not an async one: the closure never waits, so the
/// lock is held for a moment and a contended lock costs a short block.
/// tokio's docs give the same advice for data locked briefly.
#[derive(Debug, Default)]
pub struct Locked<T>(Mutex<T>);

impl<T> Locked<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Locked<T> {
        Locked(Mutex::new(value))
    }

    /// Runs `f` on the value, locked.
    ///
    /// A task that panicked inside `with` poisons the lock. The value is
    /// used as it is, as a `RefCell` is after a panic that the runtime
    /// caught: one failed task must not take every other connection down
    /// with it.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

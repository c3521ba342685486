//! `Mutex`: one task at a time, FIFO; its guard is Rust's `async with` (chapter 17).
//!
//! Python writes `async with lock:` and the lock is released at the end of
//! the block, however the block ends. Rust writes `let guard =
//! lock.lock().await;` and the lock is released when `guard` is dropped,
//! however the scope ends: return, `?`, panic, or the whole future being
//! dropped. That works because *unlocking does not need to wait*: it is
//! a plain `Drop`. (When the release must itself wait, `Drop` is not
//! enough; that is `scoped.rs`.)
//!
//! Why an async mutex at all, on one thread: a `RefCell` borrow must not be
//! held across an `.await`, because another task runs meanwhile and would
//! find it borrowed (a panic). An async mutex lets a task hold the value
//! across awaits while others *wait* for it instead of panicking.
//!
//! # State and invariants
//!
//! A `Mutex<T>` is a [`Semaphore`] of one permit beside a `RefCell<T>`:
//!
//! * The `RefCell` is borrowed exactly while a [`MutexGuard`] lives, and
//!   a guard holds the semaphore's only permit, so no two guards exist and
//!   the guard's `borrow_mut` never fails.
//! * Waiting, fairness and cancellation are the semaphore's: FIFO, handed
//!   off on unlock, a dropped `lock` gives up its place and leaks nothing.
//!
//! The `RefCell` turns "the permit proves exclusive access" into code the
//! compiler checks, at the cost of one flag per lock. tokio's `Mutex` keeps
//! the value in an `UnsafeCell` and takes that proof on trust (`unsafe`).

use std::cell::{RefCell, RefMut};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::semaphore::{Acquire, Permit, Semaphore};

/// A value that one task at a time may use, across `.await`s.
///
/// ```
/// use ghetto_loop::sync::Mutex;
/// use ghetto_loop::task;
/// use std::rc::Rc;
///
/// ghetto_loop::run(async {
///     let log = Rc::new(Mutex::new(Vec::new()));
///     let mut tasks = Vec::new();
///     for i in 0..3 {
///         let log = log.clone();
///         tasks.push(task::spawn(async move {
///             let mut lines = log.lock().await; // `async with lock:`
///             lines.push(format!("{i} begins"));
///             task::yield_now().await; // the others wait, in order
///             lines.push(format!("{i} ends"));
///         })); // unlocked here, handed to the next task in line
///     }
///     for t in tasks {
///         t.await.unwrap();
///     }
///     let lines = log.lock().await;
///     assert_eq!(lines[..2], ["0 begins", "0 ends"]);
///     assert_eq!(lines.len(), 6);
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Mutex<T> {
    /// One permit: whoever holds it holds the borrow of `value`.
    semaphore: Semaphore,
    value: RefCell<T>,
}

/// The lock, held: derefs to the value, unlocks when dropped.
#[must_use = "the mutex is unlocked as soon as the guard is dropped"]
pub struct MutexGuard<'a, T> {
    // Fields drop in order: the borrow ends before the permit is handed
    // to the next task.
    value: RefMut<'a, T>,
    _permit: Permit<'a>,
}

/// The future of [`Mutex::lock`].
#[must_use = "futures do nothing unless awaited"]
pub struct Lock<'a, T> {
    mutex: &'a Mutex<T>,
    acquire: Acquire<'a>,
}

/// [`Mutex::try_lock`] found the mutex locked, or others waiting for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError(());

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: Semaphore::new(1),
            value: RefCell::new(value),
        }
    }

    /// Waits until the mutex is free and this task's turn has come (FIFO),
    /// then locks it.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropped while waiting, it leaves the queue; dropped
    /// after the unlock was handed to it but before its task ran, it
    /// passes the lock on to the next waiter. Either way the mutex is not
    /// left locked. What it loses is its place in line.
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            acquire: self.semaphore.acquire(),
        }
    }

    /// Locks it if it is free and nobody waits for it (never jumps the
    /// queue).
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let permit = self.semaphore.try_acquire().map_err(|_| TryLockError(()))?;
        Ok(self.guard(permit))
    }

    /// The value, without locking: `&mut self` proves nobody else has it.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// The value, out of the mutex.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    fn guard<'a>(&'a self, permit: Permit<'a>) -> MutexGuard<'a, T> {
        MutexGuard {
            // Never fails: the permit is the only one (see the header).
            value: self.value.borrow_mut(),
            _permit: permit,
        }
    }
}

impl<'a, T> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let mutex = self.mutex;
        match Pin::new(&mut self.acquire).poll(cx) {
            Poll::Ready(Ok(permit)) => Poll::Ready(mutex.guard(permit)),
            Poll::Ready(Err(_)) => unreachable!("a Mutex never closes its semaphore"),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Mutex");
        match self.value.try_borrow() {
            Ok(value) => s.field("value", &*value),
            Err(_) => s.field("value", &"<locked>"),
        };
        s.finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}

impl<T> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("acquire", &self.acquire)
            .finish()
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the mutex is locked, or others are waiting for it first")
    }
}

impl Error for TryLockError {}

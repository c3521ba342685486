//! The blocking world: a thread pool for calls that would stall the loop
//! (chapter 19).
//!
//! The loop runs every task on one thread, and nothing but the selector's
//! wait may block it. A `std::thread::sleep`, a `read` of a regular file,
//! a `getaddrinfo`, a big computation: each stops every other task for as
//! long as it takes. Those go to another thread, and their result comes
//! back the way any other thread talks to the loop: through its door (the
//! task's waker, which rings the loop's eventfd doorbell).
//!
//! * [`spawn_blocking`] runs a closure on [`Pool::global`] and gives an
//!   awaitable [`BlockingTask`];
//! * [`lookup_host`] and [`TcpStream::connect_host`](crate::net::TcpStream::connect_host)
//!   resolve names with the C library's `getaddrinfo`, which blocks;
//! * [`fs::read`] and [`fs::write`] run file I/O in the pool. A regular file
//!   is always "ready" to `select` and `poll` (and `epoll` refuses it):
//!   readiness says nothing about the disk, so there is nothing to wait for
//!   but a thread. (io_uring is the production answer: tokio-uring,
//!   glommio.)
//!
//! What belongs here: blocking system calls and C libraries, and CPU-heavy
//! work. Python's thread pool cannot speed up CPU-bound work (the GIL lets
//! one thread run Python at a time); Rust's threads run truly in parallel,
//! so two pool threads hash twice as fast as one, on two cores. What does
//! not belong: work that only waits for the network (a task waits for free).
//!
//! Debug mode (`GHETTO_DEBUG=1`) reports a task whose single poll took
//! 100 ms or more, with its id, name and spawn site: that is how a blocking
//! call hiding in a task is found. A trace of the loop (`GHETTO_TRACE=FILE`)
//! is in `event_loop/trace.rs`.

mod dns;
pub mod fs;
mod pool;

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

pub use dns::lookup_host;
pub use pool::Pool;

use crate::event_loop::panic_message;
use crate::task::{JoinError, TaskId};

/// Runs `f` on the process's thread pool; await the result.
///
/// ```
/// use ghetto_loop::blocking::spawn_blocking;
///
/// let sum = ghetto_loop::run(spawn_blocking(|| (1..=100u64).sum::<u64>()))?;
/// assert_eq!(sum.unwrap(), 5050);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn spawn_blocking<T, F>(f: F) -> BlockingTask<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Pool::global().spawn(f)
}

impl Pool {
    /// Runs `f` on this pool; await the result. See [`spawn_blocking`].
    pub fn spawn<T, F>(&self, f: F) -> BlockingTask<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let id = TaskId::next();
        let slot = Arc::new(Mutex::new(Slot {
            result: None,
            waker: None,
        }));
        let theirs = slot.clone();
        let job = Box::new(move || {
            let result =
                panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload: Box<dyn Any + Send>| {
                    JoinError::panicked(id, panic_message(&*payload))
                });
            let waker = {
                let mut slot = theirs.lock().unwrap_or_else(|p| p.into_inner());
                slot.result = Some(result);
                slot.waker.take()
            };
            // From this thread, a task's waker goes through the loop's door
            // and rings its doorbell.
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        if let Err(e) = self.execute(job) {
            let failed = JoinError::panicked(id, format!("no thread to run it: {e}"));
            slot.lock().unwrap_or_else(|p| p.into_inner()).result = Some(Err(failed));
        }
        BlockingTask { slot }
    }
}

/// Where a pool thread leaves a result for the task awaiting it.
struct Slot<T> {
    result: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
}

/// The result of [`spawn_blocking`], to await: the closure's value, or a
/// [`JoinError`] if it panicked.
///
/// # Cancel safety
///
/// A thread cannot be interrupted: dropping this future does not stop the
/// closure, which runs to its end on its pool thread; its result is then
/// dropped there.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct BlockingTask<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> Future for BlockingTask<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(result) = slot.result.take() {
            return Poll::Ready(result);
        }
        if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            slot.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T> std::fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("done", &self.result.is_some())
            .finish()
    }
}

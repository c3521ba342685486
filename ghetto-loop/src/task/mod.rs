//! Tasks: `spawn`, `JoinHandle`, `block_on` (chapter 14).
//!
//! A task is a future plus its place in the loop's ready queue. The loop
//! runs it by polling the future once; if the future says `Pending`, it has
//! left the task's [`Waker`](std::task::Waker) with whatever it waits for,
//! and the task sits in the loop's table until that waker queues it again.
//!
//! ```text
//!  spawn(fut) ──> table[key] = task ──> ready queue ──> poll ──> Ready(v): JoinHandle gets v
//!                       ▲                                  │
//!                       └──── waker.wake() ◄──── Pending ──┘ (the waker waits in a socket,
//!                                                             a timer, a CallbackFuture...)
//! ```
//!
//! * [`spawn`] (or [`LoopHandle::spawn`]) takes any `'static` future; it
//!   need not be `Send`, because it never leaves the loop's thread.
//! * [`JoinHandle`] is the task's result: await it for `Result<T,
//!   JoinError>`; [`abort`](JoinHandle::abort) it; drop it to detach.
//! * [`EventLoop::block_on`](crate::event_loop::EventLoop::block_on) (or
//!   [`run`]) runs the loop until one future is done, and returns its output.
//! * A task that panics is caught: its [`JoinError`] says so, the loop
//!   reports it with the task's id, name and the place it was spawned, and
//!   every other task goes on.
//!
//! The loop's side (the table by key, and the waker that queues a task
//! without allocating on the loop's thread or rings the loop's doorbell
//! from any other) is `event_loop/tasks.rs`.
//!
//! ```
//! use ghetto_loop::task;
//!
//! let total = ghetto_loop::run(async {
//!     let a = task::spawn(async { 20 });
//!     let b = task::spawn(async { 22 });
//!     a.await.unwrap() + b.await.unwrap()
//! })?;
//! assert_eq!(total, 42);
//! # Ok::<(), std::io::Error>(())
//! ```

mod block_on;
mod join;
mod raw;
mod yield_now;

use std::future::Future;
use std::panic::Location;

pub use block_on::run;
pub use join::{JoinError, JoinHandle, TaskId};
pub use yield_now::{YieldNow, yield_now};

use crate::event_loop::LoopHandle;

/// Spawns `future` as a task on the loop running on this thread.
///
/// The task is queued at once and first polled on the loop's next pass.
///
/// # Panics
///
/// If no loop is running on this thread (use [`LoopHandle::spawn`] to
/// spawn onto a loop before running it).
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    raw::spawn(&LoopHandle::current(), None, Location::caller(), future)
}

/// Spawns `future` as a task called `name`, which reports of its panics
/// and slow polls carry. Panics as [`spawn`] does.
#[track_caller]
pub fn spawn_named<F>(name: impl Into<String>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let name = Some(name.into());
    raw::spawn(&LoopHandle::current(), name, Location::caller(), future)
}

impl LoopHandle {
    /// Spawns `future` as a task on this loop; see [`spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        raw::spawn(self, None, Location::caller(), future)
    }

    /// Spawns `future` as a task called `name` on this loop.
    #[track_caller]
    pub fn spawn_named<F>(&self, name: impl Into<String>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        raw::spawn(self, Some(name.into()), Location::caller(), future)
    }
}

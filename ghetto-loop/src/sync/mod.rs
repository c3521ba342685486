//! Sync: waiting for a resource without blocking the loop (chapter 17).
//!
//! A `std::sync::Mutex` that is locked blocks the *thread*, and on a loop
//! the thread is every task at once. The primitives here block only the
//! *task*: a task that must wait parks its waker with the primitive and
//! says `Pending`; the loop runs the others; whoever makes progress possible
//! wakes it. They are asyncio's `asyncio.Lock`, `Semaphore`, `Event` and
//! `Queue`, in Rust.
//!
//! | primitive | waits for | fairness | asyncio / tokio |
//! |-----------|-----------|----------|-----------------|
//! | [`Semaphore`] | `n` permits | FIFO, handed off on release | `Semaphore` / `tokio::sync::Semaphore` |
//! | [`Mutex`] | the value, alone | FIFO (a `Semaphore(1)`) | `Lock` / `tokio::sync::Mutex` |
//! | [`Event`] | a flag to be raised | all woken at once | `Event` / `Notify` |
//! | [`oneshot`] | one value | one receiver | a `Future` / `tokio::sync::oneshot` |
//! | [`mpsc`] | a value, or room to send one | FIFO senders | `Queue(maxsize)` / `tokio::sync::mpsc` |
//! | [`Pool`] | a resource, then its async release | FIFO (a `Semaphore`) | `async with pool.acquire()` / deadpool |
//! | [`Stream`] | the next item | - | `async for` / `futures::Stream` |
//!
//! # `async with` in Rust
//!
//! Python's `async with lock:` calls `await lock.__aenter__()` on the way
//! in and `await lock.__aexit__()` on every way out. Rust's way in is
//! `let guard = lock.lock().await;`, and its way out is the guard's
//! `Drop`, which runs on every way out too (return, `?`, panic, and the
//! future being dropped). RAII *is* the context manager, as long as the
//! way out need not wait: unlocking a [`Mutex`], giving back a [`Permit`]
//! or a [`SendPermit`](mpsc::SendPermit) does not. When the way out must
//! await (a flush, a `ROLLBACK`), `Drop` cannot, because Rust has no async
//! `Drop`; [`Pool::with`] shows the scoped alternative and what it costs.
//!
//! # Cancel safety
//!
//! Cancelling a task is dropping its future, at whatever `.await` it is
//! parked. Every future here says in a `# Cancel safety` section what such
//! a drop loses; in short:
//!
//! * [`Semaphore::acquire`] and [`Mutex::lock`]: nothing but the place in
//!   line. A dropped waiter leaves the queue; one that had been handed its
//!   permits (or the lock) before its task ran passes them on. No permit
//!   is ever leaked.
//! * [`Event::wait`]: nothing; a `set` is seen by every waiter, not used up.
//! * [`oneshot::Receiver`] and [`mpsc::Receiver::recv`]: nothing; a value
//!   leaves the channel only in the poll that returns it.
//! * [`mpsc::Sender::send`]: the place in line, and the value (it was in
//!   the future). [`mpsc::Sender::reserve`] loses no value.
//! * [`Pool::with`]: the body's work; the release still runs, spawned.
//! * [`StreamExt::next`]: what the stream's `poll_next` loses; nothing,
//!   for the streams here.
//!
//! # Design
//!
//! * **Single-threaded**: `Rc`, `RefCell` and `Cell`; handles are `!Send`.
//!   tokio's primitives are `Send + Sync` and pay for it in atomics and
//!   locks; on one loop per thread, nothing is shared between threads.
//! * **Independent of the loop**: they use only `std::task::Waker`, so they
//!   work under any executor (only [`Pool`] spawns, for the one case that
//!   needs it). Waking goes through the runtime's one waker path
//!   (`event_loop/tasks.rs`): on the loop's thread, a wake queues the task
//!   without allocating.
//! * **One way to park**: a waiter record in a FIFO queue, holding the
//!   waker; a wake-up *hands over* what was waited for (a permit, a slot)
//!   before the waiter runs, so a woken task never loses a race to one
//!   that did not wait, and each waiter is woken once, not once per
//!   release (no thundering herd).
//! * **No borrow held across user code**: cloning, calling or dropping a
//!   waker, and dropping a value, happen after the primitive's `RefCell`
//!   borrow ends.
//!
//! ```compile_fail
//! // Handles are `!Send`: they cannot leave their loop's thread.
//! fn send<T: Send>(_: T) {}
//! send(ghetto_loop::sync::Semaphore::new(1));
//! ```
//!
//! ```compile_fail
//! fn send<T: Send>(_: T) {}
//! send(ghetto_loop::sync::mpsc::channel::<u32>(1).0);
//! ```

mod event;
pub mod mpsc;
mod mutex;
pub mod oneshot;
mod scoped;
mod semaphore;
pub mod stream;
mod waker_slot;

pub use event::{Event, Wait};
pub use mutex::{Lock, Mutex, MutexGuard, TryLockError};
pub use scoped::Pool;
pub use semaphore::{Acquire, AcquireError, Permit, Semaphore, TryAcquireError};
pub use stream::{Stream, StreamExt};

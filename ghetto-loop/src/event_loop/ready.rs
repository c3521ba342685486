//! The ready queue's entries: anything that can run once it is its turn
//! (chapter 11; chapter 14's tasks are the second kind of entry).
//!
//! The ready queue is a `VecDeque<Rc<dyn Runnable>>`. Two kinds of things go
//! in it:
//!
//! * **Handles** ([`Handle`](super::Handle)): a `call_soon` callback or a due
//!   timer, queued once, and the reader or writer of an fd, queued again each
//!   time the selector says the fd is ready.
//! * **Runnables of your own**, queued with
//!   [`LoopHandle::schedule`](super::LoopHandle::schedule). Chapter 14's task
//!   is one: a future plus its place in this queue.
//!
//! Why `Rc<dyn Runnable>` and not `Box<dyn FnOnce()>`: a boxed closure is
//! used up when it runs, so queuing the same work again means a new box, an
//! allocation per wake-up. An `Rc` is queued again by cloning it (a counter
//! increment), so a reader woken a million times, or a task polled a million
//! times, allocates nothing after its first scheduling. asyncio pays a new
//! `Handle` object per `call_soon`, including every task step; tokio and
//! async-task do what we do here (the task is its own queue entry).

use std::panic::Location;
use std::rc::Rc;

/// Something the loop can run when its turn in the ready queue comes.
///
/// ```
/// use ghetto_loop::event_loop::{EventLoop, Runnable};
/// use std::{cell::Cell, panic::Location, rc::Rc};
///
/// /// Counts how many times it ran; queue it again as often as you like.
/// struct Counter {
///     runs: Cell<u32>,
///     created_at: &'static Location<'static>,
/// }
///
/// impl Runnable for Counter {
///     fn run(self: Rc<Self>) {
///         self.runs.set(self.runs.get() + 1);
///     }
///     fn location(&self) -> &'static Location<'static> {
///         self.created_at
///     }
///     fn describe(&self) -> String {
///         "counter".into()
///     }
/// }
///
/// let lp = EventLoop::new()?;
/// let counter = Rc::new(Counter { runs: Cell::new(0), created_at: Location::caller() });
/// lp.schedule(counter.clone());
/// lp.schedule(counter.clone());
/// lp.run_once()?;
/// assert_eq!(counter.runs.get(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait Runnable {
    /// Runs one step. The loop hands over the `Rc` it queued; keep a clone
    /// (or schedule one) to be run again.
    fn run(self: Rc<Self>);

    /// Where this was scheduled or created, for panic and slow-callback
    /// reports.
    fn location(&self) -> &'static Location<'static>;

    /// What this is, for reports: `"reader of fd 7"`, `"task 3"`.
    fn describe(&self) -> String;

    /// Whether this was cancelled. The loop skips a cancelled entry without
    /// running it or counting it.
    fn is_cancelled(&self) -> bool {
        false
    }

    /// The loop is closing and will never run this again: drop what it
    /// holds. A task drops its future here (chapter 14), so its destructors
    /// run even while a `JoinHandle` keeps the task. Does nothing by default.
    fn shut_down(&self) {}
}

//! `Handle`: one scheduled callback, and the right to cancel it (chapter 11).
//!
//! Every callback the loop holds lives in a [`Handle`]: the ones `call_soon`
//! and the timers run once, and the readers and writers of
//! [`add_reader`](super::LoopHandle::add_reader) run every time their fd is
//! ready. A handle also remembers *where it was scheduled*
//! (`#[track_caller]`), because once a callback runs, the code that scheduled
//! it has long returned: its stack is gone, and a panic's backtrace starts at
//! the loop. That one source location is all the context that survives (the
//! "stack ripping" of chapter 11's demo).

use std::cell::Cell;
use std::fmt;
use std::os::fd::RawFd;
use std::panic::Location;
use std::rc::Rc;

use super::ready::Runnable;

/// A callback the loop will run, as returned by
/// [`call_soon`](super::LoopHandle::call_soon).
///
/// Cloning a handle clones the right to cancel; the callback itself is never
/// copied.
///
/// ```
/// use ghetto_loop::event_loop::EventLoop;
/// use std::{cell::Cell, rc::Rc};
///
/// let lp = EventLoop::new()?;
/// let ran = Rc::new(Cell::new(false));
/// let flag = ran.clone();
/// let handle = lp.call_soon(move || flag.set(true));
/// handle.cancel();
/// lp.run_once()?;
/// assert!(!ran.get(), "a cancelled callback never runs");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Handle {
    state: Rc<HandleState>,
}

/// What a handle is, for reports: "reader of fd 7 added at src/server.rs:40".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum What {
    /// Scheduled by `call_soon`.
    Callback,
    /// Scheduled by `call_later` or `call_at`.
    Timer,
    /// Scheduled from another thread by `Remote::call_soon_threadsafe`.
    Threadsafe,
    /// The reader of an fd (`add_reader`).
    Reader(RawFd),
    /// The writer of an fd (`add_writer`).
    Writer(RawFd),
}

/// The shared part of a [`Handle`]; the ready queue holds it as a
/// [`Runnable`].
pub(crate) struct HandleState {
    /// What this is, for reports.
    what: What,
    /// Where `call_soon`/`add_reader`/... was called.
    location: &'static Location<'static>,
    /// Set by `cancel`; a cancelled handle that is still queued is skipped.
    cancelled: Cell<bool>,
    /// The callback. It is taken out while it runs, so that the callback may
    /// cancel or replace its own handle without a `RefCell` conflict; a
    /// repeating callback is put back afterwards unless it was cancelled.
    callback: Cell<Callback>,
}

/// The callback inside a handle.
#[derive(Default)]
enum Callback {
    /// Nothing: a one-shot callback that ran, a cancelled handle, or a
    /// repeating one that is running right now.
    #[default]
    Empty,
    /// Runs once (`call_soon`, timers).
    Once(Box<dyn FnOnce()>),
    /// Runs every time it is queued (readers and writers).
    Repeat(Box<dyn FnMut()>),
}

impl Handle {
    /// Cancels the callback: if it has not run, it never will. Cancelling
    /// drops the callback (and whatever it captured) at once. Cancelling
    /// twice, or after the callback ran, does nothing.
    pub fn cancel(&self) {
        self.state.cancelled.set(true);
        // Dropped here, outside any borrow of the loop's state: the drop may
        // run arbitrary code (a captured value's destructor).
        drop(self.state.callback.take());
    }

    /// Whether [`cancel`](Handle::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.state.cancelled.get()
    }

    /// Where the callback was scheduled.
    pub fn location(&self) -> &'static Location<'static> {
        self.state.location
    }

    /// A handle for a callback that runs once.
    pub(crate) fn once(
        what: What,
        location: &'static Location<'static>,
        f: Box<dyn FnOnce()>,
    ) -> Handle {
        Handle::with(what, location, Callback::Once(f))
    }

    /// A handle for a callback that runs every time it is queued.
    pub(crate) fn repeating(
        what: What,
        location: &'static Location<'static>,
        f: Box<dyn FnMut()>,
    ) -> Handle {
        Handle::with(what, location, Callback::Repeat(f))
    }

    /// A handle that was never going to run (scheduled on a closed loop).
    pub(crate) fn cancelled(what: What, location: &'static Location<'static>) -> Handle {
        let handle = Handle::with(what, location, Callback::Empty);
        handle.state.cancelled.set(true);
        handle
    }

    fn with(what: What, location: &'static Location<'static>, callback: Callback) -> Handle {
        Handle {
            state: Rc::new(HandleState {
                what,
                location,
                cancelled: Cell::new(false),
                callback: Cell::new(callback),
            }),
        }
    }

    /// The handle as a ready-queue entry: an `Rc` clone, no allocation.
    pub(crate) fn runnable(&self) -> Rc<dyn Runnable> {
        self.state.clone()
    }
}

impl Runnable for HandleState {
    fn run(self: Rc<Self>) {
        if self.cancelled.get() {
            return;
        }
        match self.callback.take() {
            Callback::Empty => {}
            Callback::Once(f) => f(),
            Callback::Repeat(f) => {
                // The guard puts the callback back when it returns *or
                // panics*: a reader that panicked stays registered and is
                // called again the next time its fd is ready, as asyncio
                // does. (Dropping it would leave a registered fd that nobody
                // reads, and a level-triggered selector would then report it
                // on every pass: a busy loop.)
                let mut guard = PutBack {
                    state: &self,
                    callback: Some(f),
                };
                if let Some(f) = guard.callback.as_mut() {
                    f();
                }
            }
        }
    }

    fn location(&self) -> &'static Location<'static> {
        self.location
    }

    fn describe(&self) -> String {
        self.what.to_string()
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }
}

/// Puts a repeating callback back into its handle when dropped, unless the
/// handle was cancelled while the callback ran (then the callback is dropped
/// here, after its own call returned).
struct PutBack<'a> {
    state: &'a HandleState,
    callback: Option<Box<dyn FnMut()>>,
}

impl Drop for PutBack<'_> {
    fn drop(&mut self) {
        if let Some(f) = self.callback.take() {
            if !self.state.cancelled.get() {
                self.state.callback.set(Callback::Repeat(f));
            }
        }
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            What::Callback => f.write_str("callback"),
            What::Timer => f.write_str("timer callback"),
            What::Threadsafe => f.write_str("thread-safe callback"),
            What::Reader(fd) => write!(f, "reader of fd {fd}"),
            What::Writer(fd) => write!(f, "writer of fd {fd}"),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("what", &self.state.what)
            .field("location", &format_args!("{}", self.state.location))
            .field("cancelled", &self.state.cancelled.get())
            .finish()
    }
}

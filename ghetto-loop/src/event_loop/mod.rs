//! The callback event loop: a selector, a timer heap and a ready queue of
//! callbacks (chapter 11). Everything in later chapters runs on it.
//!
//! This is asyncio's `BaseEventLoop`, the design Tulip introduced, in Rust:
//!
//! ```text
//!   call_soon(cb) ──────────────────────────────┐
//!   call_later(d, cb) ─> timer heap ── due ────>│ ready queue ── run ──> cb()
//!   add_reader(fd, cb) ─> selector ── ready ───>│  (FIFO)
//!   Remote::call_soon_threadsafe(cb) ──────────>┘
//! ```
//!
//! # The rules
//!
//! * **One pass** (the code is `pass.rs`): choose the timeout (zero if
//!   anything is queued or the loop is stopping, else until the nearest
//!   timer, or the last of those due within 250 µs of it, else none); wait
//!   in the selector; queue the callbacks of ready fds; queue the due
//!   timers; run exactly the entries that were queued when the running
//!   began. A callback scheduled during a pass runs in the next pass, after
//!   another look at the fds.
//! * **Timers** are a heap ordered by deadline, FIFO among equal deadlines;
//!   those due within 250 µs of the nearest share one wake-up.
//!   A cancelled timer is skipped, never sets the wait, and the heap is
//!   compacted when cancelled entries pile up (`timers.rs`).
//! * **One reader and one writer per fd**; adding another replaces it.
//!   Remove them before closing the fd: the kernel reuses fd numbers.
//! * **`stop()`** lets the current pass finish, then `run_forever` returns.
//! * **A callback that panics** is reported (its message, and where it was
//!   scheduled) and the loop goes on. So is a callback that runs longer than
//!   100 ms in debug mode (`GHETTO_DEBUG=1`).
//! * **Nothing but the selector's wait blocks.** A callback that blocks
//!   (a `std::thread::sleep`, a blocking read) blocks every other callback.
//!
//! # Two handles, one owner
//!
//! [`EventLoop`] owns the loop and runs it (`run_forever`,
//! `run_until_complete`, `run_once`). [`LoopHandle`] is a cheap clone (an
//! `Rc`) that callbacks capture to schedule more work; `EventLoop`
//! dereferences to one, so `lp.call_soon(..)` works on either. Why not one
//! cloneable type: callbacks capture handles, and the loop holds the
//! callbacks, so the loop and its callbacks point at each other. Rust
//! frees such an `Rc` cycle only if someone breaks it; the owner does, when
//! dropped: it closes the loop, which drops every queued callback, reader,
//! writer and timer, and the selector. asyncio needs an explicit
//! `loop.close()` for the same job; here it is the owner's `Drop`.
//!
//! Code that cannot be handed a `LoopHandle` (a callback sent from another
//! thread, a free function like chapter 16's `sleep`) asks for the running
//! one: [`LoopHandle::current`], asyncio's `get_running_loop()`.
//!
//! # Designed for tasks
//!
//! The ready queue holds `Rc<dyn Runnable>` ([`Runnable`]). A `call_soon`
//! callback is one; a reader is one, queued again (an `Rc` clone, no
//! allocation) each time its fd is ready; chapter 14's task is one too,
//! queued again on every wake-up with [`LoopHandle::schedule`], without an
//! allocation per wake-up.
//!
//! # Simplifications
//!
//! * One thread, one loop: `Rc` and `RefCell` inside, no locks except the
//!   thread-safe queue. tokio's multi-threaded scheduler steals work
//!   between threads; asyncio, like us, runs one loop per thread.
//! * Reads one batch of events per wait and runs callbacks to completion.
//!   There is no budget that cuts a long pass short (tokio gives each task a
//!   budget of operations before it must yield).
//! * Timers are a binary heap (asyncio's choice), not a timing wheel
//!   (tokio's), so scheduling and expiring cost O(log n).
//!
//! ```
//! use ghetto_loop::event_loop::EventLoop;
//! use std::time::Duration;
//!
//! let lp = EventLoop::new()?;
//! let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
//! let (o1, o2, o3) = (order.clone(), order.clone(), order.clone());
//! lp.call_later(Duration::from_millis(20), move || o1.borrow_mut().push("timer"));
//! lp.call_soon(move || o2.borrow_mut().push("soon"));
//! let result = lp.run_until_complete(move |done| {
//!     let lp = done.loop_handle();
//!     lp.call_later(Duration::from_millis(40), move || {
//!         o3.borrow_mut().push("last");
//!         done.set(42);
//!     });
//! })?;
//! assert_eq!(result, 42);
//! assert_eq!(*order.borrow(), ["soon", "timer", "last"]);
//! # Ok::<(), std::io::Error>(())
//! ```

mod clock;
mod close;
mod current;
mod debug;
mod handle;
mod instruments;
mod io;
mod loop_handle;
mod min_heap;
mod pass;
mod ready;
mod registration;
mod remote;
mod report;
mod tasks;
mod timers;
mod trace;

use std::cell::RefCell;
use std::fmt;
use std::io::Result;
use std::ops::Deref;
use std::rc::Rc;

pub use debug::{DEBUG_ENV, DEFAULT_SLOW_CALLBACK};
pub use handle::Handle;
pub use io::Direction;
pub use loop_handle::LoopHandle;
pub use ready::Runnable;
pub use registration::Registration;
pub use remote::Remote;
pub(crate) use report::panic_message;
pub use report::{Pass, Report, Stats, WaitReason};
pub use tasks::TaskKey;
pub use timers::TimerHandle;
pub use trace::TRACE_ENV;

use crate::sys::{Selector, SelectorKind};

/// The event loop: owns it, runs it, and closes it when dropped.
///
/// It dereferences to a [`LoopHandle`], which has every scheduling method.
#[derive(Debug)]
pub struct EventLoop {
    handle: LoopHandle,
}

impl EventLoop {
    /// A loop on the selector named by `GHETTO_SELECTOR` (epoll by default).
    /// Fails if the variable names no backend, or the selector cannot be
    /// created (out of fds).
    pub fn new() -> Result<EventLoop> {
        EventLoop::with_kind(SelectorKind::from_env()?)
    }

    /// A loop on a selector of the given kind.
    pub fn with_kind(kind: SelectorKind) -> Result<EventLoop> {
        Ok(EventLoop::with_selector(kind.open()?))
    }

    /// A loop on `selector`.
    pub fn with_selector(selector: Box<dyn Selector>) -> EventLoop {
        EventLoop {
            handle: LoopHandle::new(selector),
        }
    }

    /// A handle to this loop, for callbacks to capture.
    pub fn handle(&self) -> LoopHandle {
        self.handle.clone()
    }

    /// Runs passes until [`stop`](LoopHandle::stop) is called, then returns.
    ///
    /// Errors: the selector failed, the loop is already running, or it would
    /// wait forever (nothing scheduled, nothing watched, no [`Remote`]).
    pub fn run_forever(&self) -> Result<()> {
        let _running = self.handle.enter()?;
        let result = loop {
            if let Err(e) = self.handle.run_pass() {
                break Err(e);
            }
            if self.handle.inner.stopping.get() {
                break Ok(());
            }
        };
        self.handle.inner.stopping.set(false);
        result
    }

    /// Runs exactly one pass: at most one wait, then the callbacks queued
    /// by then. Handy in tests, and to watch the loop one step at a time.
    pub fn run_once(&self) -> Result<()> {
        let _running = self.handle.enter()?;
        let result = self.handle.run_pass();
        self.handle.inner.stopping.set(false);
        result
    }

    /// Schedules `start` with a [`Done`], runs the loop until something
    /// calls `done.set(value)`, and returns that value: a callback chain's
    /// way to give back a result. (asyncio's `run_until_complete` takes a
    /// future; here futures arrive in chapter 13, and chapter 14's
    /// [`block_on`](EventLoop::block_on) is the version that takes one.)
    ///
    /// Errors: as [`run_forever`](EventLoop::run_forever), and also when the
    /// loop stops, or runs out of work, before `done` is set.
    #[track_caller]
    pub fn run_until_complete<T: 'static>(
        &self,
        start: impl FnOnce(Done<T>) + 'static,
    ) -> Result<T> {
        let slot = Rc::new(RefCell::new(None));
        let done = Done {
            slot: slot.clone(),
            lp: self.handle(),
        };
        self.handle.call_soon(move || start(done));
        self.run_forever()?;
        // Bound to a local so the `RefMut` is dropped before `slot`.
        let value = slot.borrow_mut().take();
        value.ok_or_else(|| {
            std::io::Error::other(
                "run_until_complete: the loop was stopped before the operation completed",
            )
        })
    }
}

impl Deref for EventLoop {
    type Target = LoopHandle;

    fn deref(&self) -> &LoopHandle {
        &self.handle
    }
}

impl Drop for EventLoop {
    /// Closes the loop (see the module docs: this breaks the cycles between
    /// the loop and the callbacks that hold handles to it).
    fn drop(&mut self) {
        self.handle.close();
    }
}

/// Where a callback chain started by [`EventLoop::run_until_complete`]
/// puts its result. The first `set` wins and stops the loop; later ones
/// are ignored.
pub struct Done<T> {
    slot: Rc<RefCell<Option<T>>>,
    lp: LoopHandle,
}

impl<T> Done<T> {
    /// Stores the result and stops the loop (the current pass finishes).
    pub fn set(&self, value: T) {
        let mut slot = self.slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(value);
            self.lp.stop();
        }
    }

    /// Whether a result was set.
    pub fn is_set(&self) -> bool {
        self.slot.borrow().is_some()
    }

    /// The loop this belongs to.
    pub fn loop_handle(&self) -> LoopHandle {
        self.lp.clone()
    }
}

impl<T> Clone for Done<T> {
    fn clone(&self) -> Done<T> {
        Done {
            slot: self.slot.clone(),
            lp: self.lp.clone(),
        }
    }
}

impl<T> fmt::Debug for Done<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Done").field("set", &self.is_set()).finish()
    }
}

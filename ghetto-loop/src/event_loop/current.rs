//! The current loop: which loop is running on this thread, for code that
//! cannot be handed a `LoopHandle` (chapter 11).
//!
//! A thread-local holds the running loop's handle while a `run_*` method is
//! on the stack: `LoopHandle::enter` puts it there and returns a guard
//! that takes it away when dropped, however the run ends. asyncio keeps the
//! same thing (`get_running_loop`); one loop per thread, and a loop cannot
//! be run from inside itself.

use std::cell::RefCell;
use std::io;

use super::loop_handle::{LoopHandle, closed_error};

thread_local! {
    /// The loop that is running on this thread, if any.
    static RUNNING: RefCell<Option<LoopHandle>> = const { RefCell::new(None) };
}

impl LoopHandle {
    /// The loop running on this thread. Code that was handed a `LoopHandle`
    /// uses it; this is for code that cannot be handed one (a callback sent
    /// from another thread, a free function such as chapter 16's `sleep`),
    /// like asyncio's `get_running_loop()`.
    ///
    /// # Panics
    ///
    /// If no loop is running on this thread: calling it there is a bug in
    /// the program, not something a peer or the OS can cause. Use
    /// [`try_current`](LoopHandle::try_current) to ask.
    pub fn current() -> LoopHandle {
        LoopHandle::try_current().unwrap_or_else(|| {
            panic!("LoopHandle::current(): no ghetto-loop event loop is running on this thread")
        })
    }

    /// The loop running on this thread, if any.
    pub fn try_current() -> Option<LoopHandle> {
        RUNNING.with(|running| running.borrow().clone())
    }

    /// Calls `f` with the loop running on this thread, without cloning its
    /// handle (the task waker's fast path asks this on every wake-up).
    pub(crate) fn with_running<R>(f: impl FnOnce(Option<&LoopHandle>) -> R) -> R {
        RUNNING.with(|running| match running.try_borrow() {
            Ok(running) => f(running.as_ref()),
            Err(_) => f(None),
        })
    }

    /// Marks the loop as running on this thread until the guard is dropped.
    pub(crate) fn enter(&self) -> io::Result<Running> {
        if self.is_closed() {
            return Err(closed_error());
        }
        if self.is_running() {
            return Err(io::Error::other(
                "the event loop is already running; a callback cannot run the loop it runs on",
            ));
        }
        let previous = RUNNING.with(|running| running.borrow().clone());
        if previous.is_some() {
            return Err(io::Error::other(
                "another event loop is already running on this thread; running a second one \
                 inside it would block the first until the second returns",
            ));
        }
        self.inner.running.set(true);
        RUNNING.with(|running| *running.borrow_mut() = Some(self.clone()));
        // Timers fire as close to their deadline as the kernel allows (see
        // `sys::set_timer_slack`). Best effort: a kernel that refuses only
        // makes timers a little later.
        let _ = crate::sys::set_timer_slack(std::time::Duration::from_nanos(1));
        Ok(Running { lp: self.clone() })
    }
}

/// While alive, the loop counts as running on this thread.
pub(crate) struct Running {
    lp: LoopHandle,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.lp.inner.running.set(false);
        RUNNING.with(|running| running.borrow_mut().take());
    }
}

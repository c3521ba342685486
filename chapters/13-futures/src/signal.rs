//! `Signal`: what a waker of this chapter does when called, and the safe
//! way to make a `Waker` of it, `std::task::Wake` (chapter 13).
//!
//! A `Waker` is a promise to the executor: "when I say so, poll this future
//! again". What "say so" does is up to the executor. Ours runs futures on
//! one thread and parks that thread while there is nothing to do, so waking
//! is: note that a wake happened, count it, and unpark the thread.
//!
//! A waker may be called from any thread (a timer thread, the kernel's
//! reactor on another core), so everything it touches is atomic and
//! `Signal` is `Send + Sync`: `Waker::from(Arc<Signal>)` requires it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Wake;
use std::thread::{self, Thread};

/// Wakes one thread, and counts how often it was asked to.
#[derive(Debug)]
pub struct Signal {
    /// Set by every wake, cleared by the executor before it polls again:
    /// "there is something new to look at". `thread::park` may return
    /// without an `unpark` (the docs allow it), so the executor trusts this
    /// flag, not the return of `park`.
    woken: AtomicBool,
    /// Every wake, for the demo and the tests.
    wakes: AtomicUsize,
    /// The thread to unpark.
    thread: Thread,
}

impl Signal {
    /// A signal that wakes the calling thread.
    pub fn for_current_thread() -> Arc<Signal> {
        Arc::new(Signal {
            woken: AtomicBool::new(false),
            wakes: AtomicUsize::new(0),
            thread: thread::current(),
        })
    }

    /// How many wakes so far.
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::Relaxed)
    }

    /// Whether it was woken since the last call, clearing the flag.
    pub fn take_woken(&self) -> bool {
        // Acquire pairs with the Release in `notify`: whatever the waking
        // thread wrote before waking (the value it made ready) is visible
        // to the poll that follows.
        self.woken.swap(false, Ordering::Acquire)
    }

    /// What every waker of this chapter does: flag, count, unpark.
    pub fn notify(&self) {
        self.wakes.fetch_add(1, Ordering::Relaxed);
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// The safe waker: `Waker::from(signal)` builds the vtable for us out of
/// these two methods (and `Arc`'s clone and drop).
impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.notify();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.notify();
    }
}

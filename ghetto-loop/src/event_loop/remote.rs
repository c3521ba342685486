//! `call_soon_threadsafe`: how another thread hands the loop a callback
//! (chapter 11; chapter 19's thread pool sends its results this way).
//!
//! Everything else in the loop is single-threaded (`Rc`, `RefCell`, no
//! locks). The one door in from other threads is this: a mutex-protected
//! queue of `Send` callbacks, plus the selector's [`Doorbell`], so that a loop
//! asleep in its wait wakes up, moves the callbacks to its ready queue and
//! runs them like any other. Same design as asyncio's
//! `call_soon_threadsafe` (which writes a byte to its self-pipe) and tokio's
//! remote run queue.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::panic::Location;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::handle::{Handle, What};
use super::ready::Runnable;
use crate::sys::Doorbell;

/// A `Send` handle to a loop, for other threads: it can schedule a callback
/// on the loop's thread, and nothing else.
///
/// The callback runs on the loop's thread, so it reaches the loop through
/// [`LoopHandle::current`](super::LoopHandle::current):
///
/// ```
/// use ghetto_loop::event_loop::{EventLoop, LoopHandle};
///
/// let lp = EventLoop::new()?;
/// let remote = lp.remote();
/// let worker = std::thread::spawn(move || {
///     let answer = 6 * 7; // work done away from the loop
///     remote.call_soon_threadsafe(move || {
///         println!("the loop's thread got {answer}");
///         LoopHandle::current().stop();
///     })
/// });
/// // Nothing is ready and there are no timers: the loop sleeps in its
/// // selector until the worker's callback wakes it.
/// lp.run_forever()?;
/// worker.join().unwrap()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Remote {
    shared: Arc<Shared>,
}

/// The part shared between a loop and its [`Remote`]s.
pub(crate) struct Shared {
    /// Callbacks sent from other threads, not yet moved to the ready queue.
    queue: Mutex<Vec<Sent>>,
    /// Whether `queue` may hold a callback: set under the lock with each
    /// push, cleared under it by the drain. The loop reads it before every
    /// drain, so that a pass with nothing sent (nearly all of them) takes
    /// no lock. tokio's remote queue keeps its length in an atomic for the
    /// same reason.
    sent: AtomicBool,
    /// Wakes the loop's selector.
    doorbell: Doorbell,
    /// Set when the loop is closed; later calls fail.
    closed: AtomicBool,
}

/// One callback from another thread, and where it was sent from.
struct Sent {
    callback: Box<dyn FnOnce() + Send>,
    location: &'static Location<'static>,
}

impl Remote {
    /// Schedules `callback` to run on the loop's thread, as soon as
    /// possible, and wakes the loop if it is waiting. Callbacks from one
    /// thread run in the order they were sent.
    ///
    /// Fails only if the loop has been closed (dropped), or if waking it
    /// failed; either way the callback is dropped unrun.
    #[track_caller]
    pub fn call_soon_threadsafe(&self, callback: impl FnOnce() + Send + 'static) -> io::Result<()> {
        let location = Location::caller();
        {
            let mut queue = self.shared.lock();
            // Checked under the lock: `close` sets the flag and empties the
            // queue under the same lock, so a callback is either drained by
            // `close` or refused here, never stranded.
            if self.shared.closed.load(Ordering::Acquire) {
                return Err(io::Error::other(
                    "call_soon_threadsafe: the event loop is closed; nothing will run this callback",
                ));
            }
            queue.push(Sent {
                callback: Box::new(callback),
                location,
            });
            // Before the doorbell rings: the loop that wakes up finds it.
            self.shared.sent.store(true, Ordering::Release);
        }
        self.shared.doorbell.ring()
    }
}

impl Shared {
    pub(crate) fn new(doorbell: Doorbell) -> Arc<Shared> {
        Arc::new(Shared {
            queue: Mutex::new(Vec::new()),
            sent: AtomicBool::new(false),
            doorbell,
            closed: AtomicBool::new(false),
        })
    }

    /// A new `Remote` for this loop.
    pub(crate) fn remote(self: &Arc<Shared>) -> Remote {
        Remote {
            shared: self.clone(),
        }
    }

    /// Whether nothing can come from another thread: no callback is waiting
    /// in the queue, and no `Remote` exists (besides the loop's own
    /// reference) to send one.
    ///
    /// Both are read under the queue's lock. A `Remote` pushes under that
    /// lock before it can be dropped, so if its drop is seen here, so is its
    /// callback: a thread that sends one last callback and lets go of its
    /// `Remote` is never mistaken for silence.
    pub(crate) fn is_silent(self: &Arc<Shared>) -> bool {
        let queue = self.lock();
        queue.is_empty() && Arc::strong_count(self) == 1
    }

    /// Moves every callback sent so far to `ready`; returns how many.
    pub(crate) fn drain_into(&self, ready: &mut VecDeque<Rc<dyn Runnable>>) -> usize {
        // A push this misses rings the doorbell after it, so the next pass
        // sees it.
        if !self.sent.load(Ordering::Acquire) {
            return 0;
        }
        let sent = {
            let mut queue = self.lock();
            self.sent.store(false, Ordering::Relaxed);
            std::mem::take(&mut *queue)
        };
        let count = sent.len();
        for Sent { callback, location } in sent {
            ready.push_back(Handle::once(What::Threadsafe, location, callback).runnable());
        }
        count
    }

    /// Refuses further callbacks and returns the ones not yet run, for the
    /// caller to drop.
    pub(crate) fn close(&self) -> Vec<Box<dyn FnOnce() + Send>> {
        let mut queue = self.lock();
        self.closed.store(true, Ordering::Release);
        std::mem::take(&mut *queue)
            .into_iter()
            .map(|s| s.callback)
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Sent>> {
        // A thread that panicked while pushing left a valid Vec behind: the
        // push either happened or not. Poisoning tells us nothing here.
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote")
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish()
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("queued", &self.lock().len())
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish()
    }
}

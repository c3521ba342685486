// Exercise 11-1: an event loop in fifty lines. See README.md.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::time::{Duration, Instant};

/// A callback. It gets the loop, so it can schedule more.
pub type Callback = Box<dyn FnOnce(&mut MiniLoop)>;

/// An event loop without fds: a ready queue and a timer heap.
pub struct MiniLoop {
    /// What runs next, in order.
    ready: VecDeque<Callback>,
    /// Pending timers; the nearest is on top.
    timers: BinaryHeap<Timer>,
    /// The next timer's sequence number (ties on `when` go to the lower).
    next_seq: u64,
    /// Passes run so far.
    passes: u64,
}

/// A pending timer.
struct Timer {
    when: Instant,
    seq: u64,
    callback: Callback,
}

impl MiniLoop {
    /// An empty loop.
    pub fn new() -> MiniLoop {
        MiniLoop {
            ready: VecDeque::new(),
            timers: BinaryHeap::new(),
            next_seq: 0,
            passes: 0,
        }
    }

    /// Queues `callback` for the next pass, after everything queued before it.
    pub fn call_soon(&mut self, callback: impl FnOnce(&mut MiniLoop) + 'static) {
        todo!("push it on the back of the ready queue")
    }

    /// Runs `callback` once `delay` has passed.
    pub fn call_later(&mut self, delay: Duration, callback: impl FnOnce(&mut MiniLoop) + 'static) {
        self.call_at(Instant::now() + delay, callback);
    }

    /// Runs `callback` at `when`; timers due at the same instant run in the
    /// order they were scheduled.
    pub fn call_at(&mut self, when: Instant, callback: impl FnOnce(&mut MiniLoop) + 'static) {
        todo!("push a Timer with its deadline and the next sequence number")
    }

    /// One pass: sleep until the nearest timer if nothing is ready, queue
    /// the due timers, run exactly what is queued now. Returns how many ran.
    pub fn run_once(&mut self) -> usize {
        todo!("the three steps of README.md, then return how many ran")
    }

    /// Runs passes until nothing is ready and no timer is pending; returns
    /// how many passes that took.
    pub fn run_until_idle(&mut self) -> u64 {
        todo!("run_once until both queues are empty")
    }
}

impl Default for MiniLoop {
    fn default() -> MiniLoop {
        MiniLoop::new()
    }
}

// `BinaryHeap` is a max-heap: reversing the order puts the earliest
// `(when, seq)` on top.
impl Ord for Timer {
    fn cmp(&self, other: &Timer) -> Ordering {
        (other.when, other.seq).cmp(&(self.when, self.seq))
    }
}

impl PartialOrd for Timer {
    fn partial_cmp(&self, other: &Timer) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Timer {
    fn eq(&self, other: &Timer) -> bool {
        (self.when, self.seq) == (other.when, other.seq)
    }
}

impl Eq for Timer {}

// Debug by hand: the callbacks inside are closures, which have no Debug.
impl std::fmt::Debug for MiniLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLoop")
            .field("ready", &self.ready.len())
            .field("timers", &self.timers.len())
            .field("passes", &self.passes)
            .finish()
    }
}

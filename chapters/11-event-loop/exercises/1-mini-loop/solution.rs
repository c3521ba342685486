// Exercise 11-1: an event loop in fifty lines (reference solution).

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
        self.ready.push_back(Box::new(callback));
    }

    /// Runs `callback` once `delay` has passed.
    pub fn call_later(&mut self, delay: Duration, callback: impl FnOnce(&mut MiniLoop) + 'static) {
        self.call_at(Instant::now() + delay, callback);
    }

    /// Runs `callback` at `when`; timers due at the same instant run in the
    /// order they were scheduled.
    pub fn call_at(&mut self, when: Instant, callback: impl FnOnce(&mut MiniLoop) + 'static) {
        self.timers.push(Timer {
            when,
            seq: self.next_seq,
            callback: Box::new(callback),
        });
        self.next_seq += 1;
    }

    /// One pass: sleep until the nearest timer if nothing is ready, queue
    /// the due timers, run exactly what is queued now. Returns how many ran.
    pub fn run_once(&mut self) -> usize {
        // 1. Nothing ready: the nearest timer says how long to sleep.
        if self.ready.is_empty() {
            if let Some(top) = self.timers.peek() {
                let now = Instant::now();
                if top.when > now {
                    std::thread::sleep(top.when - now);
                }
            }
        }
        // 2. Queue the due timers, earliest first.
        let now = Instant::now();
        while self.timers.peek().is_some_and(|t| t.when <= now) {
            if let Some(timer) = self.timers.pop() {
                self.ready.push_back(timer.callback);
            }
        }
        // 3. Run what is queued now; what they schedule waits a pass.
        let todo = self.ready.len();
        for _ in 0..todo {
            if let Some(callback) = self.ready.pop_front() {
                callback(self);
            }
        }
        self.passes += 1;
        todo
    }

    /// Runs passes until nothing is ready and no timer is pending; returns
    /// how many passes that took.
    pub fn run_until_idle(&mut self) -> u64 {
        let start = self.passes;
        while !self.ready.is_empty() || !self.timers.is_empty() {
            self.run_once();
        }
        self.passes - start
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

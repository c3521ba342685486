//! The timer heap: `call_later` and `call_at`, and the deadline that sets
//! the loop's wait (chapter 11; chapter 16's `sleep` is built on it).
//!
//! A timer does one of two things when it is due: queue a callback
//! (`call_later`), or wake a task (chapter 16's `Sleep`: the entry holds the
//! task's waker, so a sleep costs one allocation, not a callback and a
//! closure on top).
//!
//! A binary min-heap ordered by deadline, so the nearest timer is always at
//! the top: the loop peeks at it to choose how long the selector may wait,
//! and pops the timers that are due. Timers with the same deadline run in
//! the order they were scheduled: each gets a sequence number, and the heap
//! orders by `(deadline, sequence)`.
//!
//! **One wake-up for a crowd.** A wait costs a system call and two trips
//! through the scheduler, some microseconds: a loop that woke once for
//! each of 100,000 deadlines a few microseconds apart would spend its time
//! going to sleep. So when the nearest timer is due within [`SHARED_WAKE`]
//! (250 µs), the loop waits for the *last* timer due within 250 µs of it
//! ([`Timers::shared_wake`]) and fires them all in one pass: a timer in a
//! crowd is at most that late, a timer alone is on time, and none is
//! early. (A nearest timer further off is waited for as it is; the pass
//! that wakes for it decides again. So a busy server, whose far-off
//! timeouts never end a wait, never pays for the search.) tokio's wheel
//! goes further and rounds every deadline up to the next whole
//! millisecond, alone or not. The heap is written by hand (`min_heap.rs`)
//! because finding that last timer is a question `std`'s `BinaryHeap`
//! cannot answer.
//!
//! Cancelling a timer does not search the heap (that would cost O(n)); it
//! marks the handle, and a cancelled timer is thrown away when it reaches
//! the top. A program that schedules and cancels many timeouts (every
//! request with a timeout that did not fire) would fill the heap with dead
//! entries, so when more than half of a heap of over 100 entries is
//! cancelled, the loop rebuilds the heap without them. Those are asyncio's
//! numbers (`_MIN_SCHEDULED_TIMER_HANDLES`,
//! `_MIN_CANCELLED_TIMER_HANDLES_FRACTION`); tokio uses a hierarchical timing
//! wheel instead, where cancelling is O(1) and removes the entry at once.

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::handle::Handle;
use super::min_heap::MinHeap;
use super::ready::Runnable;

/// Below this many entries the heap is never compacted: cheap to keep.
const MIN_ENTRIES_TO_COMPACT: usize = 100;

/// Timers due within this long of the nearest share its wake-up (see the
/// module docs). A quarter of tokio's millisecond, and under the p99 noise
/// of a sleep on a virtual machine (0.1-0.3 ms); with timers 10 µs apart,
/// about 25 share each wake-up.
const SHARED_WAKE: Duration = Duration::from_micros(250);

/// A timer scheduled with [`call_later`](super::LoopHandle::call_later) or
/// [`call_at`](super::LoopHandle::call_at): its deadline, and the right to
/// cancel it.
///
/// ```
/// use ghetto_loop::event_loop::EventLoop;
/// use std::time::Duration;
///
/// let lp = EventLoop::new()?;
/// let timer = lp.call_later(Duration::from_secs(3600), || unreachable!());
/// assert!(timer.when() > lp.time());
/// timer.cancel();
/// assert_eq!(lp.stats().timers, 1, "still in the heap, marked cancelled");
/// lp.call_soon(|| {}); // something to run, so the pass does not wait
/// lp.run_once()?; // the cancelled timer is dropped when it reaches the top
/// assert_eq!(lp.stats().timers, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct TimerHandle {
    timer: Rc<Timer>,
}

/// One timer, shared by the heap and the [`TimerHandle`]s.
struct Timer {
    /// When it is due.
    when: Instant,
    /// What happens then.
    action: Action,
    /// Whether the timer is still in the heap (not yet due, or cancelled
    /// but not yet thrown away). Only a cancel while it is in the heap
    /// counts towards compaction.
    in_heap: Cell<bool>,
    /// The heap's count of cancelled entries still in it.
    cancelled_in_heap: Rc<Cell<usize>>,
}

/// What a due timer does.
enum Action {
    /// Queue this callback (`call_later`, `call_at`).
    Callback(Handle),
    /// Wake the task that waits for it (chapter 16's `Sleep`).
    Wake {
        /// The waiting task's waker; taken when the timer fires.
        waker: RefCell<Option<Waker>>,
        /// The timer is due and has fired.
        fired: Cell<bool>,
        cancelled: Cell<bool>,
        /// Where the sleep was made.
        location: &'static Location<'static>,
    },
}

impl Action {
    fn is_cancelled(&self) -> bool {
        match self {
            Action::Callback(handle) => handle.is_cancelled(),
            Action::Wake { cancelled, .. } => cancelled.get(),
        }
    }
}

impl TimerHandle {
    /// Cancels the timer: it will not run, and its callback is dropped now.
    pub fn cancel(&self) {
        let timer = &self.timer;
        if timer.in_heap.get() && !timer.action.is_cancelled() {
            timer
                .cancelled_in_heap
                .set(timer.cancelled_in_heap.get() + 1);
        }
        match &timer.action {
            Action::Callback(handle) => handle.cancel(),
            Action::Wake {
                waker, cancelled, ..
            } => {
                cancelled.set(true);
                // Taken out first: dropping a waker is code of its own.
                let waker = waker.take();
                drop(waker);
            }
        }
    }

    /// Whether [`cancel`](TimerHandle::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.timer.action.is_cancelled()
    }

    /// For a waking timer (chapter 16): `Ready` once it has fired;
    /// otherwise keeps `cx`'s waker to be woken when it does.
    pub(crate) fn poll_fired(&self, cx: &mut Context<'_>) -> Poll<()> {
        let Action::Wake { waker, fired, .. } = &self.timer.action else {
            return Poll::Ready(());
        };
        if fired.get() {
            return Poll::Ready(());
        }
        let stale = {
            let mut slot = waker.borrow_mut();
            match &*slot {
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => slot.replace(cx.waker().clone()),
            }
        };
        drop(stale);
        Poll::Pending
    }

    /// When the timer is (or was) due, on the loop's clock
    /// ([`time`](super::LoopHandle::time)).
    pub fn when(&self) -> Instant {
        self.timer.when
    }

    /// Where the timer was scheduled.
    pub fn location(&self) -> &'static Location<'static> {
        match &self.timer.action {
            Action::Callback(handle) => handle.location(),
            Action::Wake { location, .. } => location,
        }
    }
}

/// The heap of pending timers.
pub(crate) struct Timers {
    /// Min-heap on `(when, seq)` (see [`Entry`]'s `Ord`).
    heap: MinHeap<Entry>,
    /// The next sequence number: ties on `when` go to the earlier `seq`.
    next_seq: u64,
    /// How many entries in `heap` are cancelled; shared with every
    /// [`TimerHandle`], whose `cancel` increments it.
    cancelled_in_heap: Rc<Cell<usize>>,
}

/// A heap entry.
struct Entry {
    when: Instant,
    seq: u64,
    timer: Rc<Timer>,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            heap: MinHeap::new(),
            next_seq: 0,
            cancelled_in_heap: Rc::new(Cell::new(0)),
        }
    }

    /// Adds a timer that runs `handle` at `when`.
    pub(crate) fn push(&mut self, when: Instant, handle: Handle) -> TimerHandle {
        self.push_action(when, Action::Callback(handle))
    }

    /// Adds a timer that wakes a task at `when` (see
    /// [`TimerHandle::poll_fired`]).
    pub(crate) fn push_wake(
        &mut self,
        when: Instant,
        location: &'static Location<'static>,
    ) -> TimerHandle {
        let action = Action::Wake {
            waker: RefCell::new(None),
            fired: Cell::new(false),
            cancelled: Cell::new(false),
            location,
        };
        self.push_action(when, action)
    }

    fn push_action(&mut self, when: Instant, action: Action) -> TimerHandle {
        let timer = Rc::new(Timer {
            when,
            action,
            in_heap: Cell::new(true),
            cancelled_in_heap: self.cancelled_in_heap.clone(),
        });
        self.heap.push(Entry {
            when,
            seq: self.next_seq,
            timer: timer.clone(),
        });
        self.next_seq += 1;
        TimerHandle { timer }
    }

    /// A handle for a timer that is in no heap (scheduled on a closed loop).
    pub(crate) fn detached(when: Instant, handle: Handle) -> TimerHandle {
        TimerHandle {
            timer: Rc::new(Timer {
                when,
                action: Action::Callback(handle),
                in_heap: Cell::new(false),
                cancelled_in_heap: Rc::new(Cell::new(0)),
            }),
        }
    }

    /// The deadline of the nearest timer that is not cancelled. Cancelled
    /// timers on top are thrown away first, so a cancelled timer never sets
    /// the wait.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        self.drop_cancelled_on_top();
        self.heap.peek().map(|e| e.when)
    }

    /// When the loop should wake for the `nearest` deadline (from
    /// [`next_deadline`](Timers::next_deadline)) at `now`: at the deadline
    /// of the last timer that is not cancelled and is due within
    /// [`SHARED_WAKE`] of it, so that one wake-up fires them all (see the
    /// module docs). The search is made only when `nearest` is itself
    /// that close to now and has company; otherwise `nearest` is waited for as it is, and
    /// the pass that wakes for it (or for anything sooner) decides again.
    /// A busy server, whose far-off timeouts never end a wait, skips it.
    pub(crate) fn shared_wake(&self, nearest: Instant, now: Instant) -> Instant {
        if self.heap.len() == 1 || nearest.saturating_duration_since(now) > SHARED_WAKE {
            return nearest;
        }
        let limit = nearest.checked_add(SHARED_WAKE).unwrap_or(nearest);
        let mut last = nearest;
        self.heap.for_each_up_to(
            |e| e.when <= limit,
            |e| {
                if !e.timer.action.is_cancelled() {
                    last = last.max(e.when);
                }
            },
        );
        last
    }

    /// Moves every timer due at `now` to `ready` (a callback) or `woken`
    /// (a task's waker), in deadline order; returns how many.
    pub(crate) fn pop_due(
        &mut self,
        now: Instant,
        ready: &mut VecDeque<Rc<dyn Runnable>>,
        woken: &mut Vec<Waker>,
    ) -> usize {
        let mut due = 0;
        loop {
            self.drop_cancelled_on_top();
            match self.heap.peek() {
                Some(top) if top.when <= now => {}
                _ => return due,
            }
            if let Some(entry) = self.heap.pop() {
                entry.timer.in_heap.set(false);
                match &entry.timer.action {
                    Action::Callback(handle) => ready.push_back(handle.runnable()),
                    Action::Wake { waker, fired, .. } => {
                        fired.set(true);
                        woken.extend(waker.take());
                    }
                }
                due += 1;
            }
        }
    }

    /// Rebuilds the heap without its cancelled entries when they are more
    /// than half of a heap of over 100 (see the module docs).
    pub(crate) fn compact_if_worth_it(&mut self) {
        let cancelled = self.cancelled_in_heap.get();
        if self.heap.len() > MIN_ENTRIES_TO_COMPACT && cancelled * 2 > self.heap.len() {
            self.heap.retain(|e| {
                let keep = !e.timer.action.is_cancelled();
                if !keep {
                    e.timer.in_heap.set(false);
                }
                keep
            });
            self.cancelled_in_heap.set(0);
        }
    }

    /// Entries in the heap, cancelled ones included.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Cancelled entries still in the heap.
    pub(crate) fn cancelled(&self) -> usize {
        self.cancelled_in_heap.get()
    }

    /// Empties the heap (the loop is closing); the caller drops the result
    /// outside any borrow of the loop, because dropping a callback runs its
    /// captured values' destructors.
    pub(crate) fn take_all(&mut self) -> Vec<TimerHandle> {
        self.cancelled_in_heap.set(0);
        self.heap
            .drain()
            .map(|e| {
                e.timer.in_heap.set(false);
                TimerHandle { timer: e.timer }
            })
            .collect()
    }

    fn drop_cancelled_on_top(&mut self) {
        while self
            .heap
            .peek()
            .is_some_and(|top| top.timer.action.is_cancelled())
        {
            if let Some(entry) = self.heap.pop() {
                entry.timer.in_heap.set(false);
                self.cancelled_in_heap
                    .set(self.cancelled_in_heap.get().saturating_sub(1));
            }
        }
    }
}

// The earliest `(when, seq)` is the smallest, so it is on top.
impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        (self.when, self.seq).cmp(&(other.when, other.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        (self.when, self.seq) == (other.when, other.seq)
    }
}

impl Eq for Entry {}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("when", &self.timer.when)
            .field("location", &format_args!("{}", self.location()))
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl fmt::Debug for Timers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timers")
            .field("len", &self.heap.len())
            .field("cancelled", &self.cancelled_in_heap.get())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;
    use std::time::{Duration, Instant};

    use super::{SHARED_WAKE, Timers};

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    /// Where the loop would wait until, at `now`.
    fn wake(timers: &mut Timers, now: Instant) -> Option<Instant> {
        let nearest = timers.next_deadline()?;
        Some(timers.shared_wake(nearest, now))
    }

    #[test]
    fn a_timer_alone_sets_the_wake_up_to_its_own_deadline() {
        let start = Instant::now();
        let mut timers = Timers::new();
        let far = SHARED_WAKE * 4;
        for n in 1..=3 {
            timers.push_wake(start + far * n, Location::caller());
        }
        assert_eq!(wake(&mut timers, start + far), Some(start + far));
        assert_eq!(wake(&mut Timers::new(), start), None);
    }

    #[test]
    fn a_crowd_wakes_the_loop_once_at_its_last_deadline_within_the_window() {
        let start = Instant::now();
        let mut timers = Timers::new();
        // Pushed out of order; the crowd is 0..=SHARED_WAKE after the first.
        let last = SHARED_WAKE - us(10);
        for at in [us(30), SHARED_WAKE + us(1), last, Duration::ZERO, us(90)] {
            timers.push_wake(start + at, Location::caller());
        }
        assert_eq!(wake(&mut timers, start), Some(start + last));
        // A cancelled timer in the window does not stretch the wait...
        let cancelled = timers.push_wake(start + SHARED_WAKE, Location::caller());
        cancelled.cancel();
        assert_eq!(wake(&mut timers, start), Some(start + last));
        // ...and a cancelled nearest timer is not where the window starts.
        let mut timers = Timers::new();
        let nearest = timers.push_wake(start, Location::caller());
        timers.push_wake(start + SHARED_WAKE * 3 / 2, Location::caller());
        nearest.cancel();
        assert_eq!(
            wake(&mut timers, start + SHARED_WAKE),
            Some(start + SHARED_WAKE * 3 / 2)
        );
    }

    #[test]
    fn a_crowd_further_off_than_the_window_is_left_for_a_later_pass() {
        let start = Instant::now();
        let mut timers = Timers::new();
        for at in [Duration::ZERO, us(100), us(200)] {
            timers.push_wake(start + at, Location::caller());
        }
        let early = start - SHARED_WAKE * 2;
        assert_eq!(
            wake(&mut timers, early),
            Some(start),
            "not yet: the first, exactly"
        );
        assert_eq!(wake(&mut timers, start - us(50)), Some(start + us(200)));
    }
}

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
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::handle::Handle;
use super::ready::Runnable;

/// Below this many entries the heap is never compacted: cheap to keep.
const MIN_ENTRIES_TO_COMPACT: usize = 100;

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
    heap: BinaryHeap<Entry>,
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
            heap: BinaryHeap::new(),
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

// `BinaryHeap` is a max-heap; reversing the order makes the earliest
// `(when, seq)` the greatest, so it is on top.
impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        (other.when, other.seq).cmp(&(self.when, self.seq))
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

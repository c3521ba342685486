//! `Semaphore`: a count of permits, handed off in FIFO order (chapter 17).
//!
//! asyncio's `Semaphore` holds a counter: `acquire` takes one if there is
//! one, else it waits; `release` adds one back and wakes a waiter. That
//! is not fair: the woken waiter still has to *run* before it takes the
//! permit, and a task that happens to run first (a newcomer that never
//! waited) takes it instead. asyncio fixed that in 3.11.4 with a flag; this
//! semaphore, like tokio's, does it by **hand-off**: `release` gives the
//! permit to the first waiter's record, there and then, and wakes it. The
//! permit never goes back to the counter while anyone waits, so a newcomer
//! finds nothing free and queues behind.
//!
//! # State and invariants
//!
//! ```text
//!   State { available, waiters: [w1, w2, ...], closed }     Waiter { needed, waker }
//! ```
//!
//! * `available` is the count of permits nobody holds. **It is 0 whenever
//!   `waiters` is not empty**: a released permit goes to the first waiter,
//!   not to the counter. That one invariant is the fairness.
//! * `waiters` is FIFO, in the order the acquires were first polled. A
//!   waiter's `needed` is how many permits it still misses; only the first
//!   waiter can have some but not all of them (`release` fills the first
//!   before it looks at the second). So an `acquire_many(5)` at the front
//!   holds back an `acquire()` behind it even while permits trickle in:
//!   strict FIFO, tokio's choice, which keeps a big request from starving.
//! * A waiter whose `needed` reaches 0 leaves the queue: it owns its
//!   permits from then on, before its task has even run. Its future turns
//!   them into a [`Permit`] when polled, or gives them back if dropped first.
//! * Permits are conserved: `available`, plus the permits of live
//!   [`Permit`]s, plus the permits assigned to waiters, is the number made
//!   with `new` and `add_permits` minus those [`forget`](Permit::forget)-ed.
//! * `closed` is for good: the queue is emptied once and stays empty, and
//!   every acquire from then on fails with [`AcquireError`].
//!
//! **What a wake means**: the waiter's permits are all assigned, or the
//! semaphore was closed. A woken waiter never tries again and never loses
//! a race; it already has what it waited for.
//!
//! # Simplifications
//!
//! * A waiter record is an `Rc` allocated per acquire that has to wait, and
//!   a cancelled acquire finds its record by a linear search of the queue.
//!   tokio's records live inside the futures themselves, linked into an
//!   intrusive list, so waiting allocates nothing and leaving is O(1); that
//!   takes `unsafe` code and pinned futures.
//! * Single-threaded: `RefCell` and `Cell`, and a `!Send` semaphore. tokio's
//!   keeps its count and a closed bit in one atomic word and its queue under
//!   a mutex, so it works across threads.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::waker_slot::WakerSlot;

/// A count of permits, waited for in FIFO order and handed off on release.
///
/// ```
/// use ghetto_loop::sync::Semaphore;
/// use ghetto_loop::task;
/// use std::rc::Rc;
///
/// ghetto_loop::run(async {
///     // At most two "downloads" at a time.
///     let slots = Rc::new(Semaphore::new(2));
///     let mut tasks = Vec::new();
///     for i in 0..5 {
///         let slots = slots.clone();
///         tasks.push(task::spawn(async move {
///             let _permit = slots.acquire().await.unwrap();
///             task::yield_now().await; // the "download"
///             i
///         })); // `_permit` is released here, and handed to the next in line
///     }
///     for (i, t) in tasks.into_iter().enumerate() {
///         assert_eq!(t.await.unwrap(), i);
///     }
///     assert_eq!(slots.available_permits(), 2);
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Semaphore {
    state: RefCell<State>,
}

/// The semaphore's state; see the module's header for its invariants.
struct State {
    /// Permits nobody holds. 0 while anyone waits.
    available: usize,
    /// Waiters in arrival order; only the first may hold part of its permits.
    waiters: VecDeque<Rc<Waiter>>,
    /// Set by `close`, never cleared.
    closed: bool,
}

/// One waiting acquire, shared by the queue (which fills it) and the
/// future (which reads it).
struct Waiter {
    /// Permits still missing. `release` lowers it; at 0 the waiter is out
    /// of the queue and owns all it asked for.
    needed: Cell<usize>,
    /// The waiting task, woken when `needed` reaches 0 or on `close`.
    waker: WakerSlot,
}

/// Some permits of a [`Semaphore`], given back when dropped (RAII).
#[must_use = "a permit is given back as soon as it is dropped"]
pub struct Permit<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
}

/// The future of [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    /// How many permits this acquire asked for.
    wanted: usize,
    stage: Stage,
}

/// Where an [`Acquire`] is.
enum Stage {
    /// Not polled yet: not in the queue, holds nothing.
    Start,
    /// In the queue (or handed its permits and out of it already).
    Queued(Rc<Waiter>),
    /// Returned its output (or gave up its permits when dropped).
    Done,
}

/// The semaphore was closed: no permit will ever come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

/// Why [`Semaphore::try_acquire`] got nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free, or others are waiting for them first.
    NoPermits,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            state: RefCell::new(State {
                available: permits,
                waiters: VecDeque::new(),
                closed: false,
            }),
        }
    }

    /// Waits for one permit. See [`acquire_many`](Semaphore::acquire_many).
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits at once, in FIFO order with every other
    /// acquire: it waits behind those that came first, and **everyone who
    /// comes after waits behind it**, even for one permit, even while some
    /// are free, until its `n` are gathered. (That is what keeps a big
    /// request from starving; a semaphore that let small ones pass would
    /// never gather the `n`.) `n` larger than every permit there will ever
    /// be waits forever, and so does everyone behind it. `n == 0` is ready
    /// at once, with an empty permit.
    ///
    /// Fails with [`AcquireError`] once the semaphore is
    /// [closed](Semaphore::close).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and it never leaks a permit. Dropped before its turn,
    /// it leaves the queue and those behind move up. Dropped while it held
    /// some of its `n` (at the front), or after all `n` were handed to it
    /// but before its task ran, it gives them back, and they go to the next
    /// waiter as a release would. What it loses is its place in the queue.
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            wanted: n,
            stage: Stage::Start,
        }
    }

    /// Takes one permit if one is free and nobody waits for it.
    pub fn try_acquire(&self) -> Result<Permit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody waits: a `try` never
    /// jumps the queue.
    pub fn try_acquire_many(&self, n: usize) -> Result<Permit<'_>, TryAcquireError> {
        let mut state = self.state.borrow_mut();
        if state.closed {
            return Err(TryAcquireError::Closed);
        }
        if !state.waiters.is_empty() || state.available < n {
            return Err(TryAcquireError::NoPermits);
        }
        state.available -= n;
        Ok(Permit {
            semaphore: self,
            permits: n,
        })
    }

    /// Permits that are free now. While anyone waits it is 0: released
    /// permits are handed to the waiters, not counted here.
    pub fn available_permits(&self) -> usize {
        self.state.borrow().available
    }

    /// Adds `n` permits, as if a permit of `n` were dropped: they go to the
    /// waiters first, in order.
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// Closes the semaphore: every waiting acquire, and every acquire from
    /// now on, fails with [`AcquireError`]. Permits held stay valid and
    /// are given back as usual when dropped. (A channel closes its slots'
    /// semaphore this way when its receiver goes.)
    pub fn close(&self) {
        let waiters = {
            let mut state = self.state.borrow_mut();
            state.closed = true;
            std::mem::take(&mut state.waiters)
        };
        // Woken outside the borrow; each finds `closed` and gives back any
        // permits it held.
        for waiter in waiters {
            waiter.waker.wake();
        }
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.borrow().closed
    }

    /// Gives `n` permits back: to the first waiter until it has all it
    /// needs, then to the next, and what is left to `available`.
    ///
    /// One waiter at a time: borrow the state, fill the first waiter, let
    /// the borrow go, wake it, and go on with what is left. No list of
    /// wakers is built, so a release allocates nothing.
    fn release(&self, mut n: usize) {
        while n > 0 {
            let served = {
                let mut state = self.state.borrow_mut();
                let Some(first) = state.waiters.front() else {
                    state.available += n;
                    return;
                };
                let give = n.min(first.needed.get());
                first.needed.set(first.needed.get() - give);
                n -= give;
                if first.needed.get() > 0 {
                    // All of `n` went to the first waiter, still short.
                    return;
                }
                state.waiters.pop_front()
            };
            if let Some(waiter) = served {
                waiter.waker.wake();
            }
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<Permit<'a>, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let (semaphore, wanted) = (this.semaphore, this.wanted);
        let ours = || Permit {
            semaphore,
            permits: wanted,
        };
        match &this.stage {
            Stage::Start => {
                if wanted == 0 {
                    this.stage = Stage::Done;
                    return Poll::Ready(Ok(ours()));
                }
                let waiter = {
                    let mut state = semaphore.state.borrow_mut();
                    if state.closed {
                        this.stage = Stage::Done;
                        return Poll::Ready(Err(AcquireError(())));
                    }
                    if state.waiters.is_empty() && state.available >= wanted {
                        state.available -= wanted;
                        this.stage = Stage::Done;
                        return Poll::Ready(Ok(ours()));
                    }
                    // Wait, and take what is free now: nothing if anyone
                    // waits (the invariant), else fewer than `wanted`.
                    let taken = std::mem::take(&mut state.available);
                    let waiter = Rc::new(Waiter {
                        needed: Cell::new(wanted - taken),
                        waker: WakerSlot::default(),
                    });
                    state.waiters.push_back(waiter.clone());
                    waiter
                };
                waiter.waker.register(cx.waker());
                this.stage = Stage::Queued(waiter);
                Poll::Pending
            }
            Stage::Queued(waiter) => {
                if waiter.needed.get() == 0 {
                    // Handed off: the permits were ours before we ran.
                    this.stage = Stage::Done;
                    return Poll::Ready(Ok(ours()));
                }
                if semaphore.is_closed() {
                    // `close` emptied the queue; give back what we held.
                    let held = wanted - waiter.needed.get();
                    this.stage = Stage::Done;
                    semaphore.release(held);
                    return Poll::Ready(Err(AcquireError(())));
                }
                waiter.waker.register(cx.waker());
                Poll::Pending
            }
            Stage::Done => panic!("`Acquire` polled after it completed"),
        }
    }
}

impl Drop for Acquire<'_> {
    /// Leaves the queue, and gives back every permit this acquire was
    /// handed (all of them, or the part the first waiter had gathered).
    fn drop(&mut self) {
        let Stage::Queued(waiter) = std::mem::replace(&mut self.stage, Stage::Done) else {
            return;
        };
        let give_back = if waiter.needed.get() == 0 {
            self.wanted
        } else {
            let removed = {
                let mut state = self.semaphore.state.borrow_mut();
                let at = state.waiters.iter().position(|w| Rc::ptr_eq(w, &waiter));
                at.and_then(|at| state.waiters.remove(at))
            };
            // Dropped (with its waker) after the borrow.
            drop(removed);
            self.wanted - waiter.needed.get()
        };
        drop(waiter);
        self.semaphore.release(give_back);
    }
}

impl Permit<'_> {
    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// Keeps the permits taken for good: the semaphore has that many fewer.
    /// With [`Semaphore::add_permits`] this lets something other than a
    /// `Permit` stand for them (a pool's idle resource, a channel's queued
    /// message).
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits);
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Semaphore");
        match self.state.try_borrow() {
            Ok(state) => s
                .field("available", &state.available)
                .field("waiters", &state.waiters.len())
                .field("closed", &state.closed),
            Err(_) => s.field("state", &"busy"),
        };
        s.finish()
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match &self.stage {
            Stage::Start => "start",
            Stage::Queued(w) if w.needed.get() == 0 => "handed its permits",
            Stage::Queued(_) => "queued",
            Stage::Done => "done",
        };
        f.debug_struct("Acquire")
            .field("wanted", &self.wanted)
            .field("stage", &stage)
            .finish()
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the semaphore is closed")
    }
}

impl Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("the semaphore is closed"),
            TryAcquireError::NoPermits => {
                f.write_str("no permits free, or others are waiting for them first")
            }
        }
    }
}

impl Error for TryAcquireError {}

//! `LoopHandle`: the loop's state, and everything you can ask of it from
//! inside a callback (chapter 11).
//!
//! A callback runs with no caller but the loop, so whatever it needs of the
//! loop it must bring along: a `LoopHandle` is a cheap clone (an `Rc`) that a
//! closure captures. It schedules (`call_soon`, `call_later`, `add_reader`,
//! ...), stops the loop, and configures reporting; running the loop is the
//! job of the one [`EventLoop`](super::EventLoop) that owns it.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::handle::{Handle, What};
use super::instruments::Instruments;
use super::io::{Direction, IoTable};
use super::ready::Runnable;
use super::remote::{self, Remote};
use super::tasks::{Door, TaskTable};
use super::timers::{TimerHandle, Timers};
use crate::sys::{Event, Selector};

/// A handle to an event loop: what a callback uses to schedule more work.
///
/// Clones are cheap and all refer to the same loop; two handles are `==`
/// when they do. A handle is not `Send`: the loop is single-threaded, and
/// the way in from another thread is a [`Remote`].
///
/// ```compile_fail
/// fn needs_send<T: Send>(_: T) {}
/// let lp = ghetto_loop::event_loop::EventLoop::new().unwrap();
/// needs_send(lp.handle()); // error: `Rc<...>` cannot be sent between threads
/// ```
#[derive(Clone)]
pub struct LoopHandle {
    pub(crate) inner: Rc<Inner>,
}

/// The loop itself.
pub(crate) struct Inner {
    /// Queues, timers, fds and the selector. Borrowed only for short
    /// stretches that run no user code (see [`State`]).
    pub(super) state: RefCell<State>,
    /// The door in from other threads.
    pub(super) remote: Arc<remote::Shared>,
    /// The door task wakers use (chapter 14): keys woken from elsewhere.
    pub(super) door: Arc<Door>,
    /// The backend's name, for messages.
    pub(super) selector_name: &'static str,
    /// The virtual clock's "now" while it is paused (chapter 16, `clock.rs`);
    /// `None`: the real monotonic clock.
    pub(super) paused_at: Cell<Option<Instant>>,
    /// `stop()` was called; the loop stops at the end of the current pass.
    pub(super) stopping: Cell<bool>,
    /// A `run_*` method is on the stack.
    pub(super) running: Cell<bool>,
    /// The owning `EventLoop` was dropped: nothing will ever run again.
    pub(super) closed: Cell<bool>,
    /// What the loop tells about itself: reports, pass records, debug
    /// mode, counters and the trace (see [`Instruments`]).
    pub(super) instruments: Instruments,
    /// What to run when the loop closes, by key (see [`LoopHandle::on_close`]).
    pub(super) close_hooks: RefCell<BTreeMap<u64, Box<dyn FnOnce()>>>,
    /// The next close-hook key.
    pub(super) next_close_hook: Cell<u64>,
}

/// The part of the loop behind a `RefCell`.
///
/// Invariant: no borrow of this is held while user code runs, and user code
/// includes the destructors of callbacks and of what they captured. So a
/// callback that is cancelled, replaced or thrown away is always moved out
/// first and dropped after the borrow ends.
pub(crate) struct State {
    /// The backend; `None` once the loop is closed.
    pub(crate) selector: Option<Box<dyn Selector>>,
    /// Filled by each wait; kept to reuse its allocation.
    pub(crate) events: Vec<Event>,
    /// What runs next, in order.
    pub(crate) ready: VecDeque<Rc<dyn Runnable>>,
    /// Pending `call_later`/`call_at` timers.
    pub(crate) timers: Timers,
    /// Readers and writers by fd.
    pub(crate) io: IoTable,
    /// Every live task, by key (chapter 14).
    pub(crate) tasks: TaskTable,
    /// Wakers of tasks whose fd became ready in this pass, woken once the
    /// state is no longer borrowed; kept to reuse its allocation.
    pub(crate) woken: Vec<std::task::Waker>,
}

impl LoopHandle {
    /// Schedules `callback` to run on the next pass of the loop, after every
    /// callback scheduled before it (FIFO).
    ///
    /// A callback scheduled while a pass is running its callbacks waits for
    /// the next pass: the loop checks its fds and timers again in between,
    /// so a callback that keeps rescheduling itself cannot starve them.
    #[track_caller]
    pub fn call_soon(&self, callback: impl FnOnce() + 'static) -> Handle {
        let location = Location::caller();
        if self.is_closed() {
            return Handle::cancelled(What::Callback, location);
        }
        let handle = Handle::once(What::Callback, location, Box::new(callback));
        self.inner
            .state
            .borrow_mut()
            .ready
            .push_back(handle.runnable());
        handle
    }

    /// Schedules `callback` to run once `delay` has passed (or a little
    /// later, never earlier).
    #[track_caller]
    pub fn call_later(&self, delay: Duration, callback: impl FnOnce() + 'static) -> TimerHandle {
        let location = Location::caller();
        // An absurd delay (centuries) saturates at "as far as we can count".
        let when = self
            .time()
            .checked_add(delay)
            .unwrap_or_else(|| self.time() + Duration::from_secs(u32::MAX as u64));
        self.call_at_located(when, location, Box::new(callback))
    }

    /// Schedules `callback` to run at `when`, on the loop's clock
    /// ([`time`](LoopHandle::time)). Timers due at the same instant run in
    /// the order they were scheduled; a `when` in the past runs on the next
    /// pass.
    #[track_caller]
    pub fn call_at(&self, when: Instant, callback: impl FnOnce() + 'static) -> TimerHandle {
        self.call_at_located(when, Location::caller(), Box::new(callback))
    }

    /// Queues a [`Runnable`] to run on the next pass. Queue the same `Rc`
    /// again to run it again: that costs no allocation (chapter 14's tasks
    /// are scheduled this way).
    pub fn schedule(&self, runnable: Rc<dyn Runnable>) {
        if self.is_closed() {
            // Dropped here, outside any borrow: it may run a destructor.
            drop(runnable);
            return;
        }
        self.inner.state.borrow_mut().ready.push_back(runnable);
    }

    /// Runs `callback` every time `fd` is readable, until
    /// [`remove_reader`](LoopHandle::remove_reader). One reader per fd: a
    /// second `add_reader` replaces the first, which is cancelled.
    ///
    /// Remove the reader before closing the fd (see the module docs).
    /// Errors are the selector's, e.g. `select` refuses fds of 1024 and up.
    #[track_caller]
    pub fn add_reader(&self, fd: impl AsFd, callback: impl FnMut() + 'static) -> io::Result<()> {
        self.add(fd, Direction::Read, Location::caller(), Box::new(callback))
    }

    /// Runs `callback` every time `fd` is writable, until
    /// [`remove_writer`](LoopHandle::remove_writer); one writer per fd, as
    /// for readers.
    #[track_caller]
    pub fn add_writer(&self, fd: impl AsFd, callback: impl FnMut() + 'static) -> io::Result<()> {
        self.add(fd, Direction::Write, Location::caller(), Box::new(callback))
    }

    /// Stops calling the reader of `fd`; returns whether there was one. The
    /// reader is cancelled, so it does not run even if it was already queued
    /// in this pass.
    pub fn remove_reader(&self, fd: impl AsFd) -> io::Result<bool> {
        self.remove(fd, Direction::Read)
    }

    /// Stops calling the writer of `fd`; returns whether there was one.
    pub fn remove_writer(&self, fd: impl AsFd) -> io::Result<bool> {
        self.remove(fd, Direction::Write)
    }

    /// Asks the loop to stop: the current pass runs to its end (every
    /// callback it queued runs), then `run_forever` returns. Called before
    /// the loop runs, it makes the next `run_forever` do one pass that does
    /// not wait. Callbacks scheduled meanwhile stay queued for the next run.
    pub fn stop(&self) {
        self.inner.stopping.set(true);
    }

    /// Whether the loop is running (a `run_*` method is on the stack).
    pub fn is_running(&self) -> bool {
        self.inner.running.get()
    }

    /// Whether the loop is closed: its [`EventLoop`](super::EventLoop) was
    /// dropped. A closed loop runs nothing; what is scheduled on it is
    /// dropped at once.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.get()
    }

    /// A `Send` handle for other threads: [`Remote::call_soon_threadsafe`].
    pub fn remote(&self) -> Remote {
        self.inner.remote.remote()
    }

    /// The selector backend's name: `"select"`, `"poll"` or `"epoll"`.
    pub fn selector_name(&self) -> &'static str {
        self.inner.selector_name
    }

    // ---- crate-internal: for the layers above and for EventLoop ----

    /// A loop over `selector`.
    pub(crate) fn new(selector: Box<dyn Selector>) -> LoopHandle {
        let remote = remote::Shared::new(selector.doorbell());
        let door = Door::new(selector.doorbell());
        LoopHandle {
            inner: Rc::new(Inner {
                selector_name: selector.name(),
                state: RefCell::new(State {
                    selector: Some(selector),
                    events: Vec::new(),
                    ready: VecDeque::new(),
                    timers: Timers::new(),
                    io: IoTable::default(),
                    tasks: TaskTable::default(),
                    woken: Vec::new(),
                }),
                remote,
                door,
                paused_at: Cell::new(None),
                stopping: Cell::new(false),
                running: Cell::new(false),
                closed: Cell::new(false),
                instruments: Instruments::from_env(),
                close_hooks: RefCell::new(BTreeMap::new()),
                next_close_hook: Cell::new(0),
            }),
        }
    }

    /// A timer that wakes a task at `when` (chapter 16's `Sleep`); `None`
    /// on a closed loop, where nothing will ever fire.
    pub(crate) fn wake_at(
        &self,
        when: Instant,
        location: &'static Location<'static>,
    ) -> Option<TimerHandle> {
        if self.is_closed() {
            return None;
        }
        Some(
            self.inner
                .state
                .borrow_mut()
                .timers
                .push_wake(when, location),
        )
    }

    fn call_at_located(
        &self,
        when: Instant,
        location: &'static Location<'static>,
        callback: Box<dyn FnOnce()>,
    ) -> TimerHandle {
        if self.is_closed() {
            drop(callback);
            return Timers::detached(when, Handle::cancelled(What::Timer, location));
        }
        let handle = Handle::once(What::Timer, location, callback);
        self.inner.state.borrow_mut().timers.push(when, handle)
    }

    fn add(
        &self,
        fd: impl AsFd,
        direction: Direction,
        location: &'static Location<'static>,
        callback: Box<dyn FnMut()>,
    ) -> io::Result<()> {
        let fd = fd.as_fd();
        let what = match direction {
            Direction::Read => What::Reader(fd.as_raw_fd()),
            Direction::Write => What::Writer(fd.as_raw_fd()),
        };
        let handle = Handle::repeating(what, location, callback);
        let result = {
            let mut state = self.inner.state.borrow_mut();
            let State { selector, io, .. } = &mut *state;
            match selector.as_deref_mut() {
                Some(selector) => io.set(selector, fd, direction, handle.clone()),
                None => Err(closed_error()),
            }
        };
        match result {
            // The replaced callback is cancelled (and dropped) only now that
            // the state is no longer borrowed.
            Ok(replaced) => {
                if let Some(old) = replaced {
                    old.cancel();
                }
                Ok(())
            }
            Err(e) => {
                handle.cancel();
                Err(e)
            }
        }
    }

    fn remove(&self, fd: impl AsFd, direction: Direction) -> io::Result<bool> {
        let (removed, result) = {
            let mut state = self.inner.state.borrow_mut();
            let State { selector, io, .. } = &mut *state;
            match selector.as_deref_mut() {
                Some(selector) => io.remove(selector, fd.as_fd(), direction),
                None => (None, Ok(())),
            }
        };
        let had_one = removed.is_some();
        if let Some(handle) = removed {
            handle.cancel();
        }
        result.map(|()| had_one)
    }

    /// Forgets a `stop()` (`block_on` runs until its future is done, and a
    /// stop left pending would make every later wait a busy zero).
    pub(crate) fn clear_stop(&self) {
        self.inner.stopping.set(false);
    }
}

/// The error for using a closed loop.
pub(crate) fn closed_error() -> io::Error {
    io::Error::other("the event loop is closed (its EventLoop was dropped)")
}

impl PartialEq for LoopHandle {
    fn eq(&self, other: &LoopHandle) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for LoopHandle {}

impl fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("LoopHandle");
        s.field("selector", &self.inner.selector_name)
            .field("running", &self.is_running())
            .field("closed", &self.is_closed());
        if let Ok(state) = self.inner.state.try_borrow() {
            s.field("ready", &state.ready.len())
                .field("timers", &state.timers)
                .field("io", &state.io);
        }
        s.finish()
    }
}

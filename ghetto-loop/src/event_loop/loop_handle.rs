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
use std::panic::{self, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::debug::{DEFAULT_SLOW_CALLBACK, debug_from_env};
use super::handle::{Handle, What};
use super::io::{Direction, IoTable};
use super::ready::Runnable;
use super::remote::{self, Remote};
use super::report::{Pass, Report, Stats};
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
    /// The backend's name, for messages.
    pub(super) selector_name: &'static str,
    /// `stop()` was called; the loop stops at the end of the current pass.
    pub(super) stopping: Cell<bool>,
    /// A `run_*` method is on the stack.
    pub(super) running: Cell<bool>,
    /// The owning `EventLoop` was dropped: nothing will ever run again.
    pub(super) closed: Cell<bool>,
    /// Debug mode: time every callback.
    pub(super) debug: Cell<bool>,
    /// Debug mode reports callbacks that run at least this long.
    pub(super) slow_callback: Cell<Duration>,
    /// Counters (the sizes in [`Stats`] are read from `state`).
    pub(super) counters: Cell<Stats>,
    /// Where reports go; `None` means stderr. Taken out while it runs, so
    /// it may call back into the loop.
    pub(super) report_handler: Cell<Option<ReportHandler>>,
    /// Called with a record of each pass; taken out while it runs.
    pub(super) pass_observer: Cell<Option<PassObserver>>,
    /// Whether `pass_observer` is set (so a pass only measures its wait when
    /// someone will read the figure).
    pub(super) observed: Cell<bool>,
    /// What to run when the loop closes, by key (see [`LoopHandle::on_close`]).
    pub(super) close_hooks: RefCell<BTreeMap<u64, Box<dyn FnOnce()>>>,
    /// The next close-hook key.
    pub(super) next_close_hook: Cell<u64>,
}

/// Where reports go (see [`LoopHandle::set_report_handler`]).
type ReportHandler = Box<dyn FnMut(&Report)>;

/// Who watches each pass (see [`LoopHandle::on_pass`]).
type PassObserver = Box<dyn FnMut(&Pass)>;

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
}

thread_local! {
    /// The loop that is running on this thread, if any.
    static RUNNING: RefCell<Option<LoopHandle>> = const { RefCell::new(None) };
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

    /// The loop's clock: monotonic, never goes back (`CLOCK_MONOTONIC`).
    pub fn time(&self) -> Instant {
        Instant::now()
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

    /// The selector backend's name: `"select"`, `"poll"` or `"epoll"`.
    pub fn selector_name(&self) -> &'static str {
        self.inner.selector_name
    }

    /// Turns debug mode on or off; a new loop starts with it on when
    /// `GHETTO_DEBUG=1`. In debug mode, every callback is timed, and one that
    /// runs longer than [`slow_callback_duration`](LoopHandle::slow_callback_duration)
    /// is reported with where it was scheduled.
    pub fn set_debug(&self, on: bool) {
        self.inner.debug.set(on);
    }

    /// Whether debug mode is on.
    pub fn debug(&self) -> bool {
        self.inner.debug.get()
    }

    /// In debug mode, report callbacks that run at least this long
    /// (default 100 ms).
    pub fn set_slow_callback_duration(&self, threshold: Duration) {
        self.inner.slow_callback.set(threshold);
    }

    /// The slow-callback threshold.
    pub fn slow_callback_duration(&self) -> Duration {
        self.inner.slow_callback.get()
    }

    /// Sends every [`Report`] to `handler` instead of stderr.
    pub fn set_report_handler(&self, handler: impl FnMut(&Report) + 'static) {
        // The old handler is dropped after the new one is in place.
        drop(self.inner.report_handler.replace(Some(Box::new(handler))));
    }

    /// Reports something that went wrong, to the report handler (stderr by
    /// default): asyncio's `call_exception_handler`. Layers above the loop
    /// (transports, servers) report the errors they handle this way.
    pub fn report(&self, report: Report) {
        let Some(mut handler) = self.inner.report_handler.take() else {
            eprintln!("ghetto-loop: {report}");
            return;
        };
        // A handler that panics must not take the loop down with it.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| handler(&report)));
        if outcome.is_err() {
            eprintln!("ghetto-loop: the report handler panicked on: {report}");
        }
        // Put it back, unless the handler installed a new one meanwhile.
        if let Some(newer) = self.inner.report_handler.replace(Some(handler)) {
            drop(self.inner.report_handler.replace(Some(newer)));
        }
    }

    /// Calls `observer` at the end of every pass with a record of it: the
    /// timeout it chose and why, how long it waited, what it queued and ran.
    /// Chapter 11's demo prints these.
    pub fn on_pass(&self, observer: impl FnMut(&Pass) + 'static) {
        drop(self.inner.pass_observer.replace(Some(Box::new(observer))));
        self.inner.observed.set(true);
    }

    /// Counters and sizes, right now.
    pub fn stats(&self) -> Stats {
        let mut stats = self.inner.counters.get();
        let state = self.inner.state.borrow();
        stats.ready = state.ready.len();
        stats.timers = state.timers.len();
        stats.cancelled_timers = state.timers.cancelled();
        (stats.readers, stats.writers) = state.io.counts();
        stats
    }

    // ---- crate-internal: for the layers above and for EventLoop ----

    /// Runs `hook` when the loop closes, unless the key is passed to
    /// [`cancel_on_close`](LoopHandle::cancel_on_close) first. On a closed
    /// loop it runs at once.
    ///
    /// Why this exists: a transport and its protocol point at each other
    /// (`Rc` both ways), and Rust has no garbage collector to find such a
    /// cycle. A connection breaks it in `connection_lost`; a loop dropped
    /// while connections are still open breaks it through this hook.
    pub(crate) fn on_close(&self, hook: Box<dyn FnOnce()>) -> u64 {
        if self.is_closed() {
            hook();
            return u64::MAX;
        }
        let key = self.inner.next_close_hook.get();
        self.inner.next_close_hook.set(key + 1);
        self.inner.close_hooks.borrow_mut().insert(key, hook);
        key
    }

    /// Forgets a close hook (dropping it, outside any borrow).
    pub(crate) fn cancel_on_close(&self, key: u64) {
        let hook = self.inner.close_hooks.borrow_mut().remove(&key);
        drop(hook);
    }

    /// A loop over `selector`.
    pub(crate) fn new(selector: Box<dyn Selector>) -> LoopHandle {
        let remote = remote::Shared::new(selector.waker());
        LoopHandle {
            inner: Rc::new(Inner {
                selector_name: selector.name(),
                state: RefCell::new(State {
                    selector: Some(selector),
                    events: Vec::new(),
                    ready: VecDeque::new(),
                    timers: Timers::new(),
                    io: IoTable::default(),
                }),
                remote,
                stopping: Cell::new(false),
                running: Cell::new(false),
                closed: Cell::new(false),
                debug: Cell::new(debug_from_env()),
                slow_callback: Cell::new(DEFAULT_SLOW_CALLBACK),
                counters: Cell::new(Stats::default()),
                report_handler: Cell::new(None),
                pass_observer: Cell::new(None),
                observed: Cell::new(false),
                close_hooks: RefCell::new(BTreeMap::new()),
                next_close_hook: Cell::new(0),
            }),
        }
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
        Ok(Running { lp: self.clone() })
    }

    /// Bumps the counters with `f`.
    pub(crate) fn count(&self, f: impl FnOnce(&mut Stats)) {
        let mut stats = self.inner.counters.get();
        f(&mut stats);
        self.inner.counters.set(stats);
    }

    /// Closes the loop: runs the close hooks, drops every callback, timer
    /// and queued entry, and the selector (closing its fds). Idempotent.
    pub(crate) fn close(&self) {
        let inner = &self.inner;
        if inner.closed.replace(true) {
            return;
        }
        drop(inner.remote.close());
        let hooks = std::mem::take(&mut *inner.close_hooks.borrow_mut());
        for (_, hook) in hooks {
            hook();
        }
        let (ready, timers, io, selector) = {
            let mut state = inner.state.borrow_mut();
            (
                std::mem::take(&mut state.ready),
                state.timers.take_all(),
                state.io.take_all(),
                state.selector.take(),
            )
        };
        // Cancel rather than just drop: a handle the program still holds
        // would otherwise keep its callback (and what it captured) alive.
        for timer in timers {
            timer.cancel();
        }
        for handle in io {
            handle.cancel();
        }
        drop(ready);
        drop(selector);
        // A handler or observer that captured a LoopHandle would keep the
        // loop alive through a cycle; later reports go to stderr.
        drop(inner.pass_observer.take());
        inner.observed.set(false);
        drop(inner.report_handler.take());
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

impl Inner {
    /// The slow-callback threshold if debug mode is on.
    pub(super) fn slow_threshold(&self) -> Option<Duration> {
        self.debug.get().then(|| self.slow_callback.get())
    }

    /// Calls the pass observer, if any, with `pass`.
    pub(super) fn observe(&self, pass: &Pass) {
        if let Some(mut observer) = self.pass_observer.take() {
            observer(pass);
            if let Some(newer) = self.pass_observer.replace(Some(observer)) {
                drop(self.pass_observer.replace(Some(newer)));
            }
        }
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

//! One pass of the loop: wait, collect what is ready, run it (chapter 11).
//!
//! Every `run_*` method is this function in a loop. The order of the five
//! steps is the whole design, and it is asyncio's `_run_once`:
//!
//! 1. **Choose the timeout.** Zero if callbacks are already queued or the
//!    loop is stopping (look, but do not sleep); otherwise until the nearest
//!    timer (or, when that is due within 250 µs, until the last timer due
//!    within 250 µs of it: they share the wake-up, `timers.rs`); otherwise
//!    no timeout at all.
//! 2. **Wait** in the selector. This is the only place the loop blocks.
//! 3. **Queue the callbacks of ready fds**, and those sent by other threads;
//!    wake the tasks waiting on ready async sockets, which queues them in
//!    this same pass (chapter 15).
//! 4. **Queue the timers that are due.**
//! 5. **Run exactly the entries queued now.** Whatever they schedule goes to
//!    the back of the queue and runs in the *next* pass, after another
//!    (zero-timeout) look at the fds: a callback that reschedules itself
//!    forever cannot starve I/O or timers.

use std::io;
use std::panic::{self, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::loop_handle::{LoopHandle, State, closed_error};
use super::ready::Runnable;
use super::report::{Pass, Report, WaitReason, panic_message};

impl LoopHandle {
    /// Runs one pass (the module docs list its steps).
    ///
    /// Fails if the selector fails, or if the loop would wait forever:
    /// nothing queued, no timer, no fd watched and no [`Remote`](super::Remote)
    /// left that another thread could use to wake it. asyncio hangs there;
    /// a clear error is kinder.
    pub(crate) fn run_pass(&self) -> io::Result<()> {
        let inner = &*self.inner;
        let observed = inner.instruments.observed.get();
        let tracing = inner.instruments.tracing.get();
        let pass_started = tracing.then(Instant::now);

        // 1. The timeout.
        let (timeout, reason, deadline) = {
            let mut state = inner.state.borrow_mut();
            state.timers.compact_if_worth_it();
            if !state.ready.is_empty() {
                (Some(Duration::ZERO), WaitReason::Ready, None)
            } else if inner.stopping.get() {
                (Some(Duration::ZERO), WaitReason::Stopping, None)
            } else if let Some(nearest) = state.timers.next_deadline() {
                if self.is_clock_paused() {
                    (Some(Duration::ZERO), WaitReason::ClockJump, None)
                } else {
                    let now = self.time();
                    let when = state.timers.shared_wake(nearest, now);
                    let left = when.saturating_duration_since(now);
                    let reason = if when > nearest {
                        WaitReason::TimerCrowd
                    } else {
                        WaitReason::NearestTimer
                    };
                    (Some(left), reason, Some(when))
                }
            } else if state.io.len() == 0
                && inner.remote.is_silent()
                && inner.door.is_empty()
                && state.tasks.no_waker_is_held()
            {
                let tasks = match state.tasks.len() {
                    0 => String::new(),
                    n => format!(", and nothing holds the waker of any of its {n} parked task(s)"),
                };
                return Err(io::Error::other(format!(
                    "the event loop would wait forever: no callback is queued, no timer is \
                     pending, no fd is watched and no Remote exists to wake it{tasks}"
                )));
            } else {
                (None, WaitReason::Nothing, None)
            }
        };

        // 2. Wait. The borrow is held across the wait, but no user code runs
        // in it: only the selector's system call.
        let started = (observed || tracing).then(Instant::now);
        let mut state = inner.state.borrow_mut();
        let State {
            selector,
            events,
            ready,
            timers,
            io,
            tasks,
            woken,
        } = &mut *state;
        let selector = selector.as_deref_mut().ok_or_else(closed_error)?;
        selector.wait(events, timeout)?;
        let waited = started.map(|t| t.elapsed()).unwrap_or_default();
        if let Some(started) = started.filter(|_| tracing) {
            let name = match reason {
                WaitReason::Ready | WaitReason::Stopping => "look (timeout 0)",
                WaitReason::NearestTimer => "wait for the nearest timer",
                WaitReason::TimerCrowd => "wait for the last of a crowd of timers",
                WaitReason::Nothing => "wait for I/O",
                WaitReason::ClockJump => "look, then jump the clock",
            };
            self.trace(name, "wait", started, waited);
        }

        // 3. Ready fds (a reader's callback is queued; a task waiting on an
        // async socket has its waker set aside), then what other threads
        // sent: callbacks and woken tasks.
        let mut io_callbacks = 0;
        for event in events.iter() {
            io_callbacks += io.dispatch(selector, event, ready, woken);
        }
        let threadsafe = inner.remote.drain_into(ready) + inner.door.drain_into(tasks, ready);

        // A paused clock with nothing else to do jumps to the nearest timer.
        if reason == WaitReason::ClockJump
            && events.is_empty()
            && ready.is_empty()
            && let Some(when) = timers.next_deadline()
        {
            self.jump_clock_to(when);
        }

        // 4. Due timers: callbacks are queued, sleeping tasks' wakers set
        // aside with those of ready sockets.
        let timers_due = if timers.len() > 0 {
            timers.pop_due(self.time(), ready, woken)
        } else {
            0
        };

        // Wake the tasks whose fd is ready, now that the state is free: a
        // waker is user code to the loop. Ours queue their task at once, so
        // it runs in this pass, not after another wait.
        // Most passes set no waker aside: they skip the hand-over of the
        // list (and the extra borrow it costs) altogether.
        let to_wake = (!woken.is_empty()).then(|| std::mem::take(woken));
        drop(state);
        if let Some(mut to_wake) = to_wake {
            for waker in to_wake.drain(..) {
                waker.wake();
            }
            inner.state.borrow_mut().woken = to_wake;
        }

        // 5. Run what is queued now, and not one entry more.
        let todo = inner.state.borrow().ready.len();
        let mut ran = 0;
        for _ in 0..todo {
            // A short borrow per entry: the entry itself runs unborrowed.
            let Some(entry) = inner.state.borrow_mut().ready.pop_front() else {
                break;
            };
            if self.run_entry(entry) {
                ran += 1;
            }
        }

        self.inner.instruments.count(|s| {
            s.passes += 1;
            s.ran += ran as u64;
        });
        if let Some(started) = pass_started {
            let name = format!("pass {}", inner.instruments.counters.get().passes);
            self.trace(&name, "pass", started, started.elapsed());
        }
        if observed {
            let pass = Pass {
                number: inner.instruments.counters.get().passes,
                timeout,
                reason,
                waited,
                io_callbacks,
                deadline,
                timers_due,
                threadsafe,
                ran,
                left_for_next: inner.state.borrow().ready.len(),
            };
            inner.instruments.observe(&pass);
        }
        Ok(())
    }

    /// Runs one ready-queue entry, unless it was cancelled; returns whether
    /// it ran. A panic is caught and reported, and in debug mode a slow
    /// entry is reported: either way the loop goes on.
    fn run_entry(&self, entry: Rc<dyn Runnable>) -> bool {
        if entry.is_cancelled() {
            return false;
        }
        let started = self.start_timing();
        // AssertUnwindSafe: after a panic we only read the entry's location
        // and description; the state it may have left half-updated is the
        // program's own, as in any `catch_unwind` at a thread-pool boundary.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| Rc::clone(&entry).run()));
        if let Err(payload) = outcome {
            self.inner.instruments.count(|s| s.panics += 1);
            self.report(Report::Panicked {
                what: entry.describe(),
                scheduled_at: entry.location(),
                message: panic_message(&*payload),
            });
        }
        self.finish_timing(started, || entry.describe(), entry.location());
        true
    }

    /// The start of a run worth timing: `Some` in debug mode or while
    /// tracing, `None` (and no clock read) otherwise.
    pub(crate) fn start_timing(&self) -> Option<Instant> {
        let timed = self.inner.instruments.slow_threshold().is_some()
            || self.inner.instruments.tracing.get();
        timed.then(Instant::now)
    }

    /// Traces a run that began at `started`, and reports it if debug mode
    /// finds it slow. `block_on`'s own future goes through here too, so a
    /// blocking call in it is named like one in a task.
    pub(crate) fn finish_timing(
        &self,
        started: Option<Instant>,
        describe: impl Fn() -> String,
        location: &'static Location<'static>,
    ) {
        let Some(started) = started else {
            return;
        };
        let took = started.elapsed();
        if self.inner.instruments.tracing.get() {
            self.trace(&describe(), "run", started, took);
        }
        if let Some(threshold) = self.inner.instruments.slow_threshold()
            && took >= threshold
        {
            self.inner.instruments.count(|s| s.slow += 1);
            self.report(Report::Slow {
                what: describe(),
                scheduled_at: location,
                took,
            });
        }
    }
}

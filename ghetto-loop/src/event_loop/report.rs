//! What the loop tells you: reports of panics, slow callbacks and handled
//! errors, a record of each pass, and counters (chapter 11).
//!
//! A callback has no caller to return an error to: the loop called it. So
//! whatever goes wrong inside one is *reported*, not returned, and the loop
//! goes on: asyncio's `call_exception_handler`. By default a report is
//! printed on stderr; [`LoopHandle::set_report_handler`](super::LoopHandle::set_report_handler)
//! replaces that (tests collect reports with it). Each report names where the
//! callback was scheduled, the one piece of its caller's context that
//! survives (chapter 11's "stack ripping").

use std::any::Any;
use std::fmt;
use std::io;
use std::panic::Location;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::loop_handle::LoopHandle;

/// Something the loop, or a layer above it, wants you to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// A callback panicked. The loop caught it and went on.
    Panicked {
        /// What panicked: `"callback"`, `"reader of fd 7"`, ...
        what: String,
        /// Where it was scheduled.
        scheduled_at: &'static Location<'static>,
        /// The panic's message.
        message: String,
    },
    /// Debug mode: a callback ran longer than the slow-callback threshold,
    /// and every other callback, fd and timer waited that long.
    Slow {
        /// What ran.
        what: String,
        /// Where it was scheduled.
        scheduled_at: &'static Location<'static>,
        /// How long it ran.
        took: Duration,
    },
    /// An error that was handled but should be known, e.g. a server that
    /// ran out of fds and paused accepting.
    Error {
        /// What was being done, and what happens next.
        context: String,
        /// The error's kind.
        kind: io::ErrorKind,
        /// The error's message.
        message: String,
    },
}

impl Report {
    /// A [`Report::Error`] for `error` while doing `context`.
    pub fn error(context: impl Into<String>, error: &io::Error) -> Report {
        Report::Error {
            context: context.into(),
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::Panicked {
                what,
                scheduled_at,
                message,
            } => write!(
                f,
                "{what} {} at {scheduled_at} panicked: {message} (the loop goes on)",
                where_word(what)
            ),
            Report::Slow {
                what,
                scheduled_at,
                took,
            } => write!(
                f,
                "{what} {} at {scheduled_at} ran for {:.3} s, blocking the loop",
                where_word(what),
                took.as_secs_f64()
            ),
            Report::Error {
                context, message, ..
            } => write!(f, "{context}: {message}"),
        }
    }
}

/// Why a pass waited as long as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// Callbacks were ready: only look, do not wait (timeout 0).
    Ready,
    /// `stop()` was called: only look, do not wait (timeout 0).
    Stopping,
    /// Wait until the nearest timer is due.
    NearestTimer,
    /// Wait until the last of the timers due within 250 µs of the nearest
    /// is due: a crowd that shares one wake-up (chapter 16).
    TimerCrowd,
    /// Nothing is ready and no timer is pending: wait for an fd or a
    /// thread-safe callback, however long that takes.
    Nothing,
    /// The clock is paused and only timers wait: look at the fds without
    /// waiting, then jump the clock to the nearest deadline (chapter 16).
    ClockJump,
}

/// "spawned" for a task (its location is where it was spawned), else
/// "scheduled".
fn where_word(what: &str) -> &'static str {
    if what.starts_with("task ") {
        "spawned"
    } else {
        "scheduled"
    }
}

/// A record of one pass of the loop, given to the
/// [`on_pass`](super::LoopHandle::on_pass) observer when the pass ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Passes counted from 1, over the loop's life.
    pub number: u64,
    /// The timeout given to the selector.
    pub timeout: Option<Duration>,
    /// Why that timeout.
    pub reason: WaitReason,
    /// How long the selector really waited.
    pub waited: Duration,
    /// The deadline the wait was set to end at, when a timer set it: the
    /// nearest ([`WaitReason::NearestTimer`]), or the last of a crowd due
    /// within 250 µs of it, which share the wake-up
    /// ([`WaitReason::TimerCrowd`]).
    pub deadline: Option<Instant>,
    /// Reader and writer callbacks queued, and tasks woken, because their fd
    /// was ready.
    pub io_callbacks: usize,
    /// Timers that were due and queued.
    pub timers_due: usize,
    /// Callbacks and task wake-ups received from other threads and queued.
    pub threadsafe: usize,
    /// Entries run in this pass: exactly those queued when it began running.
    pub ran: usize,
    /// Entries left in the ready queue for the next pass: what this pass's
    /// callbacks scheduled.
    pub left_for_next: usize,
}

/// Counters and sizes, for tests and curious humans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Passes run so far.
    pub passes: u64,
    /// Ready-queue entries run so far (cancelled ones are skipped, not run).
    pub ran: u64,
    /// Callbacks that panicked.
    pub panics: u64,
    /// Callbacks reported as slow (debug mode only).
    pub slow: u64,
    /// Entries waiting in the ready queue.
    pub ready: usize,
    /// Entries in the timer heap, cancelled ones included.
    pub timers: usize,
    /// Cancelled entries still in the timer heap.
    pub cancelled_timers: usize,
    /// Fds with a reader.
    pub readers: usize,
    /// Fds with a writer.
    pub writers: usize,
}

impl LoopHandle {
    /// Sends every [`Report`] to `handler` instead of stderr.
    pub fn set_report_handler(&self, handler: impl FnMut(&Report) + 'static) {
        // The old handler is dropped after the new one is in place.
        drop(
            self.inner
                .instruments
                .report_handler
                .replace(Some(Box::new(handler))),
        );
    }

    /// Reports something that went wrong, to the report handler (stderr by
    /// default): asyncio's `call_exception_handler`. Layers above the loop
    /// (transports, servers) report the errors they handle this way.
    pub fn report(&self, report: Report) {
        let Some(mut handler) = self.inner.instruments.report_handler.take() else {
            eprintln!("ghetto-loop: {report}");
            return;
        };
        // A handler that panics must not take the loop down with it.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| handler(&report)));
        if outcome.is_err() {
            eprintln!("ghetto-loop: the report handler panicked on: {report}");
        }
        // Put it back, unless the handler installed a new one meanwhile.
        if let Some(newer) = self.inner.instruments.report_handler.replace(Some(handler)) {
            drop(self.inner.instruments.report_handler.replace(Some(newer)));
        }
    }

    /// Calls `observer` at the end of every pass with a record of it: the
    /// timeout it chose and why, how long it waited, what it queued and ran.
    /// Chapter 11's demo prints these.
    pub fn on_pass(&self, observer: impl FnMut(&Pass) + 'static) {
        drop(
            self.inner
                .instruments
                .pass_observer
                .replace(Some(Box::new(observer))),
        );
        self.inner.instruments.observed.set(true);
    }

    /// Counters and sizes, right now.
    pub fn stats(&self) -> Stats {
        let mut stats = self.inner.instruments.counters.get();
        let state = self.inner.state.borrow();
        stats.ready = state.ready.len();
        stats.timers = state.timers.len();
        stats.cancelled_timers = state.timers.cancelled();
        (stats.readers, stats.writers) = state.io.counts();
        stats
    }
}

/// The message of a panic payload: the `&str` or `String` given to
/// `panic!`, or a placeholder for anything else.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic payload that is not a string)".to_owned()
    }
}

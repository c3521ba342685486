//! What the loop keeps to tell you about itself: where reports go, who
//! watches each pass, debug mode, the counters, and the trace (chapter 11;
//! the trace comes with chapter 19).
//!
//! None of it changes what the loop does, only what it says, so it lives
//! apart from the loop's working state: `LoopHandle` holds one
//! `Instruments`, and the public switches for it are in `debug.rs`
//! (debug mode), `report.rs` (reports, pass records, counters) and
//! `trace.rs` (the trace).

use std::cell::{Cell, RefCell};
use std::time::Duration;

use super::debug::{DEFAULT_SLOW_CALLBACK, debug_from_env};
use super::report::{Pass, Report, Stats};
use super::trace::Tracer;

/// Where reports go (see `LoopHandle::set_report_handler`).
type ReportHandler = Box<dyn FnMut(&Report)>;

/// Who watches each pass (see `LoopHandle::on_pass`).
type PassObserver = Box<dyn FnMut(&Pass)>;

/// The loop's instruments. Each is a `Cell` or a short-lived `RefCell`:
/// they are read and set from inside passes and callbacks, never held.
pub(crate) struct Instruments {
    /// Debug mode: time every callback.
    pub(super) debug: Cell<bool>,
    /// Debug mode reports callbacks that run at least this long.
    pub(super) slow_callback: Cell<Duration>,
    /// Counters (the sizes in [`Stats`] are read from the loop's state).
    pub(super) counters: Cell<Stats>,
    /// Where reports go; `None` means stderr. Taken out while it runs, so
    /// it may call back into the loop.
    pub(super) report_handler: Cell<Option<ReportHandler>>,
    /// Called with a record of each pass; taken out while it runs.
    pub(super) pass_observer: Cell<Option<PassObserver>>,
    /// Whether `pass_observer` is set (so a pass only measures its wait when
    /// someone will read the figure).
    pub(super) observed: Cell<bool>,
    /// The trace being written (`trace.rs`), and whether there is one (read
    /// on every pass and entry, so tracing costs nothing when off).
    pub(super) tracer: RefCell<Option<Tracer>>,
    pub(super) tracing: Cell<bool>,
}

impl Instruments {
    /// Everything off but what the environment turns on: debug mode
    /// (`GHETTO_DEBUG`) and the trace (`GHETTO_TRACE`).
    pub(super) fn from_env() -> Instruments {
        let tracer = Tracer::from_env();
        Instruments {
            debug: Cell::new(debug_from_env()),
            slow_callback: Cell::new(DEFAULT_SLOW_CALLBACK),
            counters: Cell::new(Stats::default()),
            report_handler: Cell::new(None),
            pass_observer: Cell::new(None),
            observed: Cell::new(false),
            tracing: Cell::new(tracer.is_some()),
            tracer: RefCell::new(tracer),
        }
    }

    /// The slow-callback threshold if debug mode is on.
    pub(super) fn slow_threshold(&self) -> Option<Duration> {
        self.debug.get().then(|| self.slow_callback.get())
    }

    /// Bumps the counters with `f`.
    pub(super) fn count(&self, f: impl FnOnce(&mut Stats)) {
        let mut stats = self.counters.get();
        f(&mut stats);
        self.counters.set(stats);
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

//! The timeline: what happened, when, and to whom.
//!
//! Every demo prints lines like
//!
//! ```text
//! 0.000 server  listening on 127.0.0.1:40163
//! 0.001 client-1 connected
//! 0.502 client-2 echoed "hi"
//! ```
//!
//! The seconds count from when the timeline was made, and are measured, never
//! made up. A timeline also keeps every event, so a chapter's tests can run the
//! demo itself and assert on the order of what really happened.

use std::fmt::Display;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A shared, cloneable log of timestamped events.
///
/// ```
/// let timeline = course::Timeline::quiet();
/// timeline.log("client-1", "connected");
/// timeline.log("client-2", "connected");
/// assert_eq!(timeline.whats(), ["connected", "connected"]);
/// assert!(timeline.position("client-1", "connected") < timeline.position("client-2", "connected"));
/// ```
#[derive(Debug, Clone)]
pub struct Timeline {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Time zero of the printed seconds.
    start: Instant,
    /// Whether `log` also prints to stdout (demos) or only records (tests).
    print: bool,
    /// Every event so far, in the order `log` was called.
    events: Mutex<Vec<Event>>,
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Time since the timeline started.
    pub at: Duration,
    /// Who did it: `server`, `client-1`, `loop`...
    pub who: String,
    /// What happened.
    pub what: String,
}

impl Timeline {
    /// A timeline that prints each event as it is logged.
    pub fn new() -> Timeline {
        Timeline::with_printing(true)
    }

    /// A timeline that only records (for tests).
    pub fn quiet() -> Timeline {
        Timeline::with_printing(false)
    }

    fn with_printing(print: bool) -> Timeline {
        Timeline {
            inner: Arc::new(Inner {
                start: Instant::now(),
                print,
                events: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Records (and maybe prints) that `who` did `what`, now.
    pub fn log(&self, who: impl Display, what: impl Display) {
        let event = Event {
            at: self.elapsed(),
            who: who.to_string(),
            what: what.to_string(),
        };
        // The lock orders recording and printing together, so the printed
        // lines are in the same order as the recorded events.
        let mut events = self
            .inner
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.inner.print {
            let mut out = std::io::stdout().lock();
            // A closed stdout (`| head`) must not kill a demo mid-way.
            let _ = writeln!(
                out,
                "{:>6.3} {:<9} {}",
                event.at.as_secs_f64(),
                event.who,
                event.what
            );
        }
        events.push(event);
    }

    /// Time since the timeline started.
    pub fn elapsed(&self) -> Duration {
        self.inner.start.elapsed()
    }

    /// A copy of every event so far.
    pub fn events(&self) -> Vec<Event> {
        self.inner
            .events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The `what` of every event, in order.
    pub fn whats(&self) -> Vec<String> {
        self.events().into_iter().map(|e| e.what).collect()
    }

    /// Index of the first event by `who` whose `what` contains `what`.
    ///
    /// Panics with the whole timeline when there is none: in a test that is
    /// the message you want to read.
    pub fn position(&self, who: &str, what: &str) -> usize {
        let events = self.events();
        events
            .iter()
            .position(|e| e.who == who && e.what.contains(what))
            .unwrap_or_else(|| {
                panic!(
                    "no event {who:?} {what:?} in the timeline:\n{}",
                    render(&events)
                )
            })
    }

    /// The first event by `who` whose `what` contains `what`, if any.
    pub fn find(&self, who: &str, what: &str) -> Option<Event> {
        self.events()
            .into_iter()
            .find(|e| e.who == who && e.what.contains(what))
    }
}

impl Default for Timeline {
    fn default() -> Timeline {
        Timeline::new()
    }
}

/// The events as the demo prints them, one per line.
pub fn render(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| format!("{:>6.3} {:<9} {}\n", e.at.as_secs_f64(), e.who, e.what))
        .collect()
}

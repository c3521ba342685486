//! A log stamped with the loop's clock, for the demo and its tests
//! (chapter 16).
//!
//! The course's `Timeline` stamps each line with the real time since the
//! demo began. That is what a demo should print, but a test on a paused
//! clock needs the loop's *virtual* time: there, `sleep(1 s)` takes a few
//! microseconds of real time and exactly one second of loop time. A
//! `Diary` keeps both. It records each line at `LoopHandle::time` since it
//! was made, and passes the line on to the timeline; when the clock is
//! paused, the printed line says what the loop's clock read.

use std::cell::RefCell;
use std::fmt::Display;
use std::rc::Rc;
use std::time::{Duration, Instant};

use course::Timeline;
use ghetto_loop::event_loop::LoopHandle;

/// A shared log of `(loop time, who, what)`; clones share the lines.
#[derive(Debug, Clone)]
pub struct Diary {
    timeline: Timeline,
    lp: LoopHandle,
    /// The loop's time when the diary was made: time zero of its lines.
    start: Instant,
    lines: Rc<RefCell<Vec<Line>>>,
}

/// One line of a [`Diary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Loop time since the diary was made.
    pub at: Duration,
    /// Who wrote it.
    pub who: String,
    /// What happened.
    pub what: String,
}

impl Diary {
    /// A diary on `lp`'s clock that also logs to `timeline`.
    pub fn new(timeline: &Timeline, lp: &LoopHandle) -> Diary {
        Diary {
            timeline: timeline.clone(),
            lp: lp.clone(),
            start: lp.time(),
            lines: Rc::default(),
        }
    }

    /// Records that `who` did `what`, now on the loop's clock.
    pub fn log(&self, who: impl Display, what: impl Display) {
        let line = Line {
            at: self.now(),
            who: who.to_string(),
            what: what.to_string(),
        };
        if self.lp.is_clock_paused() {
            let at = line.at.as_secs_f64();
            self.timeline
                .log(&line.who, format!("[loop clock {at:.3}] {}", line.what));
        } else {
            self.timeline.log(&line.who, &line.what);
        }
        self.lines.borrow_mut().push(line);
    }

    /// Loop time since the diary was made.
    pub fn now(&self) -> Duration {
        self.lp.time() - self.start
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<Line> {
        self.lines.borrow().clone()
    }

    /// Every line as `(milliseconds, who, what)`: the shape tests compare.
    pub fn steps(&self) -> Vec<(u128, String, String)> {
        self.lines
            .borrow()
            .iter()
            .map(|l| (l.at.as_millis(), l.who.clone(), l.what.clone()))
            .collect()
    }
}

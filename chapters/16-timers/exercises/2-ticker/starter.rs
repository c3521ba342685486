// Exercise 16-2: an interval by hand, from `sleep_until`, that skips the
// ticks it missed. See README.md.

use std::time::{Duration, Instant};

// What you need, imported for you (unused until you use it).
#[allow(unused_imports)]
use ghetto_loop::event_loop::LoopHandle;
#[allow(unused_imports)]
use ghetto_loop::time::sleep_until;

/// Ticks every `period` on a fixed grid: `start`, `start + period`, ...
#[derive(Debug)]
pub struct Ticker {
    period: Duration,
    /// When the next tick is due, on the loop's clock.
    next: Instant,
}

impl Ticker {
    /// A ticker whose first tick is due at `start`.
    ///
    /// # Panics
    ///
    /// If `period` is zero.
    pub fn new(start: Instant, period: Duration) -> Ticker {
        assert!(!period.is_zero(), "a ticker needs a period above zero");
        Ticker {
            period,
            next: start,
        }
    }

    /// Waits for the next tick and returns when it was due (not when it
    /// came). Ticks missed while the caller was busy are skipped.
    pub async fn tick(&mut self) -> Instant {
        todo!("sleep until the next tick, then choose the one after it")
    }
}

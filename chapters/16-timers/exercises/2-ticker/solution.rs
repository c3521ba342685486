// Exercise 16-2: an interval by hand, from `sleep_until`, that skips the
// ticks it missed. See README.md.

use std::time::{Duration, Instant};

use ghetto_loop::event_loop::LoopHandle;
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
        // Dropped here, the ticker is unchanged: `next` moves only after
        // the sleep is over, so a tick is never lost to a `select`.
        sleep_until(self.next).await;
        let due = self.next;
        let now = LoopHandle::current().time();
        let following = due + self.period;
        self.next = if now > following {
            // Late by more than a period: the first point of the grid
            // after now. Whole periods behind, plus one.
            let behind = (now - due).as_nanos() / self.period.as_nanos();
            due + self.period * (behind as u32 + 1)
        } else {
            following
        };
        due
    }
}

//! `interval`: ticks on a schedule, and what to do about ticks missed
//! while nobody was listening (chapter 16).

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::sleep::{Sleep, sleep_until};
use crate::event_loop::LoopHandle;

/// What an [`Interval`] does after a tick was missed: the consumer came
/// back after the *next* tick was due too. A tick late by less than a period
/// keeps the grid under every behaviour (tokio counts a tick as missed once
/// it is 5 ms late; here the period is the threshold).
///
/// With a period of 10 ms, ticks due at 0, 10, 20, 30, and a consumer
/// that comes back at 35:
///
/// | behaviour | the next ticks |
/// |-----------|----------------|
/// | `Burst` | 35 (for 10), 35 (for 20), 35 (for 30), then 40, 50: catches up at once |
/// | `Delay` | 35, then 45, 55: the period counts from when it was late |
/// | `Skip`  | 35, then 40, 50: missed ticks are dropped, the grid is kept |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTick {
    /// Fire every missed tick, back to back, until caught up. tokio's
    /// default, and the one its users trip over: after a stall, a loop
    /// that does work per tick does all the missed work at once.
    Burst,
    /// Count the next period from the late tick: ticks drift later.
    Delay,
    /// Drop the missed ticks and keep the original grid. The default here:
    /// one late tick, then back on schedule, no burst and no drift.
    #[default]
    Skip,
}

/// Ticks every `period`, the first tick at once.
///
/// # Panics
///
/// If `period` is zero (a tick that is always due would starve the loop).
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    let start = LoopHandle::try_current().map_or_else(Instant::now, |lp| lp.time());
    interval_at(start, period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// ```
/// use ghetto_loop::time::interval;
/// use std::time::Duration;
///
/// ghetto_loop::run(async {
///     let mut ticks = interval(Duration::from_millis(10));
///     let first = ticks.tick().await;
///     let second = ticks.tick().await;
///     assert_eq!(second - first, Duration::from_millis(10));
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "interval: the period must be more than zero"
    );
    Interval {
        period,
        next: start,
        missed: MissedTick::default(),
        sleep: sleep_until(start),
    }
}

/// A schedule of ticks; see [`interval`].
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    /// When the next tick is due.
    next: Instant,
    missed: MissedTick,
    /// Sleeps until `next`.
    sleep: Sleep,
}

impl Interval {
    /// Waits for the next tick; returns when it was due (not when it came).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `tick` took no tick; the next call waits for
    /// the same one.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// The poll behind [`tick`](Interval::tick).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.sleep).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let due = self.next;
        let now = LoopHandle::current().time();
        self.next = match self.missed {
            MissedTick::Burst => due + self.period,
            MissedTick::Delay if now > due + self.period => now + self.period,
            MissedTick::Skip if now > due + self.period => {
                // The first point of the grid after now, in u128 nanoseconds
                // so a long stall with a short period cannot overflow.
                let period = self.period.as_nanos();
                let ahead = ((now - due).as_nanos() / period + 1) * period;
                due + Duration::from_nanos(ahead.min(u64::MAX as u128) as u64)
            }
            MissedTick::Delay | MissedTick::Skip => due + self.period,
        };
        self.sleep.reset(self.next);
        Poll::Ready(due)
    }

    /// Chooses what happens after a missed tick.
    pub fn set_missed_tick(&mut self, missed: MissedTick) {
        self.missed = missed;
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

//! An interval beside a consumer that stalls once, under each missed-tick
//! behaviour (chapter 16).
//!
//! The consumer takes each tick, and after one of them it is busy for
//! longer than two periods, without an `.await` (it blocks the loop on
//! purpose, like chapter 14's busy task). The ticks that fall due meanwhile
//! are missed: nobody was listening. What the interval does about them is
//! its [`MissedTick`] behaviour: fire them all at once (`Burst`), count the
//! period again from the late tick (`Delay`), or drop them and keep the
//! grid (`Skip`).
//!
//! The stall is a parameter: the demo blocks the thread for real, and the
//! tests move a paused clock forward by the same amount, which is what a
//! stall looks like to the loop.

use std::time::Duration;

use ghetto_loop::event_loop::LoopHandle;
use ghetto_loop::time::{MissedTick, interval_at};

/// What the consumer does: a period, and one stall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The interval's period.
    pub period: Duration,
    /// After which tick the consumer stalls (0 is the first).
    pub stall_after: usize,
    /// How long it stalls.
    pub stall: Duration,
    /// How many ticks it takes in all.
    pub ticks: usize,
}

/// The demo's schedule: a 100 ms period, and 250 ms of work after the
/// second tick, so the ticks due at 200 and 300 ms fall inside the stall.
pub const DEMO: Schedule = Schedule {
    period: Duration::from_millis(100),
    stall_after: 1,
    stall: Duration::from_millis(250),
    ticks: 6,
};

/// One tick: when it was due, and when the consumer got it, both since the
/// interval began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// When it was due (what `tick()` returned).
    pub due: Duration,
    /// When the consumer had it (the loop's clock when `tick()` returned).
    pub came: Duration,
}

/// Takes `schedule.ticks` ticks of an interval with `missed`; after tick
/// `stall_after`, calls `stall(schedule.stall)`, which must not return
/// before that much time has passed on the loop's clock.
pub async fn consume(
    schedule: Schedule,
    missed: MissedTick,
    stall: impl Fn(Duration),
) -> Vec<Tick> {
    let lp = LoopHandle::current();
    let start = lp.time();
    let mut ticks = interval_at(start, schedule.period);
    ticks.set_missed_tick(missed);
    let mut seen = Vec::with_capacity(schedule.ticks);
    for i in 0..schedule.ticks {
        let due = ticks.tick().await;
        seen.push(Tick {
            due: due - start,
            came: lp.time() - start,
        });
        if i == schedule.stall_after {
            stall(schedule.stall);
        }
    }
    seen
}

/// What each behaviour does, in a few words, for the demo.
pub fn in_words(missed: MissedTick) -> &'static str {
    match missed {
        MissedTick::Burst => "every missed tick fires at once, then back on the grid",
        MissedTick::Delay => "the period counts again from the late tick: the grid moves",
        MissedTick::Skip => "missed ticks are dropped, the grid is kept (the default)",
    }
}

/// `0→0 100→100 | 250 ms stall | 200→350 ...`: due→came, in milliseconds.
pub fn render(schedule: Schedule, seen: &[Tick]) -> String {
    let mut out = Vec::new();
    for (i, tick) in seen.iter().enumerate() {
        out.push(format!(
            "{}→{}",
            tick.due.as_millis(),
            tick.came.as_millis()
        ));
        if i == schedule.stall_after {
            out.push(format!("| {} ms stall |", schedule.stall.as_millis()));
        }
    }
    out.join(" ")
}

//! The three missed-tick behaviours on a paused clock: the consumer's
//! stall is the clock moved forward by hand, so every tick's due and
//! arrival times are exact.

use std::io;
use std::time::Duration;

use ch16_timers::ticks::{self, Schedule, Tick};
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::time::MissedTick;

/// Runs `schedule` with `missed` on a paused clock; `(due, came)` in ms.
fn ticks_of(schedule: Schedule, missed: MissedTick) -> io::Result<Vec<(u128, u128)>> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let handle = lp.handle();
    let seen = lp.block_on(ticks::consume(schedule, missed, move |d| {
        handle.advance_clock(d)
    }))?;
    Ok(seen
        .iter()
        .map(|Tick { due, came }| (due.as_millis(), came.as_millis()))
        .collect())
}

/// The demo's schedule: 100 ms period, 250 ms stall after the second tick
/// (the ticks due at 200 and 300 fall inside it).
#[test]
fn the_demo_schedule_under_each_behaviour() -> io::Result<()> {
    let s = ticks::DEMO;
    let before = [(0, 0), (100, 100)];
    for (missed, after) in [
        // Both missed ticks at 350, then back on the grid.
        (
            MissedTick::Burst,
            [(200, 350), (300, 350), (400, 400), (500, 500)],
        ),
        // One late tick; the grid moves to 350 + 100.
        (
            MissedTick::Delay,
            [(200, 350), (450, 450), (550, 550), (650, 650)],
        ),
        // One late tick; 300 is dropped; the grid is kept.
        (
            MissedTick::Skip,
            [(200, 350), (400, 400), (500, 500), (600, 600)],
        ),
    ] {
        let want: Vec<_> = before.iter().chain(&after).copied().collect();
        assert_eq!(ticks_of(s, missed)?, want, "{missed:?}");
    }
    Ok(())
}

/// The table in `MissedTick`'s docs: a 10 ms period, and a consumer that
/// comes back at 35 ms after the first tick.
#[test]
fn the_table_in_the_runtime_docs() -> io::Result<()> {
    let s = Schedule {
        period: Duration::from_millis(10),
        stall_after: 0,
        stall: Duration::from_millis(35),
        ticks: 6,
    };
    let came = |missed| -> io::Result<Vec<u128>> {
        Ok(ticks_of(s, missed)?.iter().map(|t| t.1).collect())
    };
    let due = |missed| -> io::Result<Vec<u128>> {
        Ok(ticks_of(s, missed)?.iter().map(|t| t.0).collect())
    };
    // "35 (for 10), 35 (for 20), 35 (for 30), then 40, 50"
    assert_eq!(came(MissedTick::Burst)?, [0, 35, 35, 35, 40, 50]);
    assert_eq!(due(MissedTick::Burst)?, [0, 10, 20, 30, 40, 50]);
    // "35, then 45, 55"
    assert_eq!(came(MissedTick::Delay)?, [0, 35, 45, 55, 65, 75]);
    // "35, then 40, 50"
    assert_eq!(came(MissedTick::Skip)?, [0, 35, 40, 50, 60, 70]);
    assert_eq!(due(MissedTick::Skip)?, [0, 10, 40, 50, 60, 70]);
    Ok(())
}

/// Skip is the default: an interval left alone behaves like Skip.
#[test]
fn skip_is_the_default() {
    assert_eq!(MissedTick::default(), MissedTick::Skip);
}

//! The specification of exercise 16-2: do not edit; make it pass.
//!
//! Every test runs on a paused clock; a busy consumer is the clock moved
//! forward by hand (`advance_clock`), so every time is exact.

use std::io;
use std::time::{Duration, Instant};

use ex16_2_ticker::Ticker;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::time::{Either, select, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `body` on a paused loop with a 10 ms ticker started now.
fn with_ticker<T>(body: impl AsyncFnOnce(&LoopHandle, Instant, Ticker) -> T) -> io::Result<T> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let handle = lp.handle();
    let start = lp.time();
    lp.block_on(body(&handle, start, Ticker::new(start, ms(10))))
}

#[test]
fn the_first_tick_is_at_once() -> io::Result<()> {
    let (due, moved) = with_ticker(async |lp, start, mut t| {
        let due = t.tick().await;
        (due - start, lp.time() - start)
    })?;
    assert_eq!((due, moved), (Duration::ZERO, Duration::ZERO));
    Ok(())
}

#[test]
fn on_schedule_ticks_keep_the_grid() -> io::Result<()> {
    let seen = with_ticker(async |lp, start, mut t| {
        let mut seen = Vec::new();
        for _ in 0..5 {
            let due = t.tick().await;
            seen.push(((due - start).as_millis(), (lp.time() - start).as_millis()));
        }
        seen
    })?;
    assert_eq!(seen, [(0, 0), (10, 10), (20, 20), (30, 30), (40, 40)]);
    Ok(())
}

#[test]
fn missed_ticks_are_skipped_and_the_grid_is_kept() -> io::Result<()> {
    let seen = with_ticker(async |lp, start, mut t| {
        let mut seen = Vec::new();
        for i in 0..5 {
            let due = t.tick().await;
            seen.push(((due - start).as_millis(), (lp.time() - start).as_millis()));
            if i == 0 {
                lp.advance_clock(ms(35)); // busy until 35
            }
        }
        seen
    })?;
    // 10 comes late, at 35; 20 and 30 are skipped; 40 is on the grid.
    assert_eq!(seen, [(0, 0), (10, 35), (40, 40), (50, 50), (60, 60)]);
    Ok(())
}

#[test]
fn a_long_stall_gives_one_late_tick_not_a_burst() -> io::Result<()> {
    let seen = with_ticker(async |lp, start, mut t| {
        t.tick().await;
        lp.advance_clock(ms(1_000)); // busy for 100 periods
        let mut seen = Vec::new();
        for _ in 0..3 {
            let due = t.tick().await;
            seen.push(((due - start).as_millis(), (lp.time() - start).as_millis()));
        }
        seen
    })?;
    assert_eq!(seen, [(10, 1_000), (1_010, 1_010), (1_020, 1_020)]);
    Ok(())
}

#[test]
fn late_by_less_than_a_period_is_not_missed() -> io::Result<()> {
    let seen = with_ticker(async |lp, start, mut t| {
        t.tick().await;
        lp.advance_clock(ms(14)); // the tick due at 10 comes at 14
        let mut seen = Vec::new();
        for _ in 0..2 {
            let due = t.tick().await;
            seen.push(((due - start).as_millis(), (lp.time() - start).as_millis()));
        }
        seen
    })?;
    assert_eq!(seen, [(10, 14), (20, 20)]);
    Ok(())
}

#[test]
fn a_dropped_tick_is_not_lost() -> io::Result<()> {
    let (lost, again) = with_ticker(async |lp, start, mut t| {
        t.tick().await;
        // The sleep wins at 5; the tick due at 10 is dropped half way.
        let lost = select(t.tick(), sleep(ms(5))).await;
        let again = t.tick().await;
        (
            matches!(lost, Either::Right(())),
            ((again - start).as_millis(), (lp.time() - start).as_millis()),
        )
    })?;
    assert!(lost, "the sleep was meant to win");
    assert_eq!(again, (10, 10), "the same tick, on time");
    Ok(())
}

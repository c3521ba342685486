//! A lock held across an `.await`. The async `Mutex` lets the loop run
//! while the other task waits; `std::sync::Mutex` blocks the loop's only
//! thread, and with it the task that would unlock.

use std::io;
use std::time::Duration;

use ch17_sync::Diary;
use ch17_sync::locks::{self, HOLD, TICK};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

fn paused() -> io::Result<(EventLoop, Diary)> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    Ok((lp, diary))
}

#[test]
fn the_ticker_keeps_ticking_while_a_task_waits_for_the_async_lock() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let waited = lp.block_on(locks::async_mutex(&diary, HOLD, TICK))?;
    assert_eq!(waited.waited, HOLD, "B got the lock the moment A let go");
    // Ticks at 45, 90, 135 and 180 ms, all while B waited.
    assert_eq!(waited.ticks_while_waiting, 4);
    let steps = diary.steps();
    let when = |who: &str, what: &str| {
        steps
            .iter()
            .position(|(_, w, x)| w == who && x.contains(what))
            .unwrap_or_else(|| panic!("no {who} {what:?} in {steps:#?}"))
    };
    assert!(when("B", "parks") < when("ticker", "tick 2"));
    assert!(when("ticker", "tick 5") < when("A", "unlocks"));
    assert!(when("A", "unlocks") < when("B", "got the lock"));
    Ok(())
}

#[test]
fn try_lock_on_a_std_mutex_held_across_an_await_is_refused() -> io::Result<()> {
    let (lp, diary) = paused()?;
    assert!(lp.block_on(locks::std_try_lock(&diary, HOLD))?);
    Ok(())
}

/// The one test here that watches real time, because what it shows is a
/// thread that never comes back: a watchdog on this thread looks at the
/// other loop for 200 ms. If that loop were alive, A's 5 ms sleep would
/// end and the ticker would tick forty times in that span, so a live loop
/// cannot pass by luck; a stuck one passes however slow the machine is.
#[test]
fn a_std_lock_on_the_loop_stops_the_whole_loop() {
    let stall = locks::std_lock_stall(
        &Timeline::quiet(),
        Duration::from_millis(5),
        Duration::from_millis(5),
        Duration::from_millis(200),
    );
    assert_eq!(stall.thread_ended, None, "the loop's thread is still stuck");
    assert_eq!(
        stall.ticks_before, 1,
        "the ticker's first tick, before B ran"
    );
    assert_eq!(stall.ticks_after, 1, "and never another");
    assert!(!stall.a_woke, "A's sleep ended, but A never ran again");
    assert!(!stall.b_locked, "B is still in lock()");
}

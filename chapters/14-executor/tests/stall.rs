//! A task that never awaits stops every other task; `yield_now` lets them
//! through.

use ch14_executor::stall;
use course::Timeline;

#[test]
fn the_ticker_stops_during_the_stall_and_ticks_with_yield_now() -> anyhow::Result<()> {
    let ticks = ghetto_loop::run(stall::show(&Timeline::quiet()))??;
    assert_eq!(ticks.while_stalling, 0);
    assert!(ticks.while_yielding > 0, "{ticks:?}");
    Ok(())
}

//! The specification of exercise 16-1: do not edit; make it pass.
//!
//! Every test runs on a paused clock: the loop jumps from deadline to
//! deadline, so times are exact and no test waits for real.

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use ex16_1_timeout::{TimedOut, my_timeout};
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn paused() -> io::Result<EventLoop> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    Ok(lp)
}

/// Counts its drops.
struct Guard(Rc<Cell<u32>>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn in_time_gives_the_output_as_soon_as_it_is_there() -> io::Result<()> {
    let lp = paused()?;
    let (result, took) = lp.block_on(async {
        let lp = LoopHandle::current();
        let start = lp.time();
        let result = my_timeout(ms(50), async {
            sleep(ms(10)).await;
            7
        })
        .await;
        (result, lp.time() - start)
    })?;
    assert_eq!(result, Ok(7));
    assert_eq!(took, ms(10), "it returned when the future finished");
    Ok(())
}

#[test]
fn too_late_is_timed_out_exactly_at_the_deadline() -> io::Result<()> {
    let lp = paused()?;
    let (result, took) = lp.block_on(async {
        let lp = LoopHandle::current();
        let start = lp.time();
        let result = my_timeout(ms(50), async {
            sleep(ms(100)).await;
            7
        })
        .await;
        (result, lp.time() - start)
    })?;
    assert_eq!(result, Err(TimedOut { after: ms(50) }));
    assert_eq!(took, ms(50));
    Ok(())
}

#[test]
fn the_inner_future_is_dropped_before_the_error_comes_back() -> io::Result<()> {
    let lp = paused()?;
    let drops = Rc::new(Cell::new(0));
    let finished = Rc::new(Cell::new(false));
    let (guard, done) = (Guard(drops.clone()), finished.clone());
    let drops_seen = drops.clone();
    let dropped_by_then = lp.block_on(async move {
        let result = my_timeout(ms(50), async move {
            let _guard = guard;
            sleep(ms(100)).await;
            done.set(true);
        })
        .await;
        assert!(result.is_err());
        drops_seen.get()
    })?;
    assert_eq!(dropped_by_then, 1, "dropped before my_timeout returned");
    // Well past the inner sleep's deadline: it never ran again.
    lp.block_on(sleep(ms(500)))?;
    assert!(!finished.get(), "the dropped future never finished");
    assert_eq!(drops.get(), 1);
    Ok(())
}

#[test]
fn the_timer_of_a_future_that_won_is_cancelled() -> io::Result<()> {
    let lp = paused()?;
    let result = lp.block_on(my_timeout(ms(1_000), async {
        sleep(ms(10)).await;
        "quick"
    }))?;
    assert_eq!(result, Ok("quick"));
    let stats = lp.stats();
    assert_eq!(
        stats.timers, stats.cancelled_timers,
        "no live timer is left behind: {stats:?}"
    );
    Ok(())
}

#[test]
fn a_future_ready_at_once_wins_even_a_zero_timeout() -> io::Result<()> {
    let lp = paused()?;
    let result = lp.block_on(my_timeout(Duration::ZERO, async { 42 }))?;
    assert_eq!(result, Ok(42));
    let never = lp.block_on(my_timeout(Duration::ZERO, std::future::pending::<()>()))?;
    assert_eq!(
        never,
        Err(TimedOut {
            after: Duration::ZERO
        })
    );
    Ok(())
}

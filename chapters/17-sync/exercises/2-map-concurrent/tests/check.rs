//! The specification of exercise 17-2: do not edit; make it pass.
//!
//! Every test runs on a paused clock, so "the whole batch took 300 ms" is
//! exact.

use std::cell::{Cell, RefCell};
use std::io;
use std::time::Duration;

use ex17_2_map_concurrent::map_concurrent;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `future` on a paused loop; returns its output and the loop time
/// it took, in ms.
fn timed<T>(future: impl Future<Output = T>) -> io::Result<(T, u128)> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    lp.block_on(async {
        let start = LoopHandle::current().time();
        let out = future.await;
        (out, (LoopHandle::current().time() - start).as_millis())
    })
}

#[test]
fn outputs_come_in_the_order_of_the_items() -> io::Result<()> {
    // The first item takes longest, so the calls finish in reverse.
    let (out, _) = timed(map_concurrent([50, 40, 30, 20, 10], 5, async |d: u64| {
        sleep(ms(d)).await;
        d * 2
    }))?;
    assert_eq!(out, [100, 80, 60, 40, 20]);
    Ok(())
}

#[test]
fn never_more_than_the_limit_at_once_and_the_limit_is_used() -> io::Result<()> {
    let (now, most) = (Cell::new(0), Cell::new(0));
    timed(map_concurrent(0..10u64, 3, async |i| {
        now.set(now.get() + 1);
        most.set(most.get().max(now.get()));
        sleep(ms(10 + i * 7 % 30)).await;
        now.set(now.get() - 1);
    }))?;
    assert_eq!(most.get(), 3);
    Ok(())
}

#[test]
fn six_jobs_of_100_ms_two_at_a_time_take_300_ms() -> io::Result<()> {
    let (out, took) = timed(map_concurrent(0..6, 2, async |i: u32| {
        sleep(ms(100)).await;
        i
    }))?;
    assert_eq!(out, [0, 1, 2, 3, 4, 5]);
    assert_eq!(took, 300);
    Ok(())
}

#[test]
fn a_limit_of_one_is_one_after_the_other() -> io::Result<()> {
    let (_, took) = timed(map_concurrent([10, 20, 30], 1, async |d: u64| {
        sleep(ms(d)).await
    }))?;
    assert_eq!(took, 60);
    Ok(())
}

#[test]
fn a_limit_above_the_count_runs_them_all_at_once() -> io::Result<()> {
    let (_, took) = timed(map_concurrent([10, 20, 30], 100, async |d: u64| {
        sleep(ms(d)).await
    }))?;
    assert_eq!(took, 30);
    Ok(())
}

#[test]
fn calls_start_in_the_order_of_the_items() -> io::Result<()> {
    // Short and long jobs mixed: whoever finishes, the next to start is
    // the next item, never a later one.
    let started = RefCell::new(Vec::new());
    let (_, took) = timed(map_concurrent(
        [30, 10, 20, 10, 30, 10],
        2,
        async |d: u64| {
            started.borrow_mut().push(d);
            sleep(ms(d)).await;
        },
    ))?;
    assert_eq!(*started.borrow(), [30, 10, 20, 10, 30, 10]);
    assert_eq!(took, 60);
    Ok(())
}

#[test]
fn no_items_no_calls() -> io::Result<()> {
    let calls = Cell::new(0);
    let (out, took) = timed(map_concurrent(Vec::<u32>::new(), 2, async |i| {
        calls.set(calls.get() + 1);
        i
    }))?;
    assert!(out.is_empty());
    assert_eq!((calls.get(), took), (0, 0));
    Ok(())
}

#[test]
#[should_panic(expected = "the limit must be at least 1")]
fn a_limit_of_zero_is_refused() {
    let _ = timed(map_concurrent([1], 0, async |i: u32| i));
}

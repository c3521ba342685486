//! The chapter's demo, in five parts (chapter 17):
//!
//! 1. ten downloads behind a `Semaphore(3)`;
//! 2. a producer and a slow consumer over `mpsc::channel(2)`;
//! 3. a lock held across an `.await`: the async `Mutex`, then
//!    `std::sync::Mutex` (asked with `try_lock`, then really locked on a
//!    loop of its own, watched from outside);
//! 4. `Pool::with`, left by a value, an error, a panic and a cancel;
//! 5. streams: `Lines` over a socket, and a countdown as a hand-written
//!    async generator beside the same countdown as a task.
//!
//! Each part runs on a loop of its own, on the real clock; each checks
//! what it claims and fails the demo otherwise.

use anyhow::{bail, ensure};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

use crate::{Diary, backpressure, fetcher, locks, pool, streams};

/// Runs the five parts, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    fetcher_part(timeline)?;
    backpressure_part(timeline)?;
    locks_part(timeline)?;
    pool_part(timeline)?;
    streams_part(timeline)
}

/// Part 1: at most three in flight; permits handed on in queue order.
fn fetcher_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    let seen = lp.block_on(fetcher::fetch_all(
        &diary,
        &fetcher::jobs(),
        fetcher::PERMITS,
    ))?;
    ensure!(
        seen.max_in_flight == fetcher::PERMITS,
        "{} in flight at most",
        seen.max_in_flight
    );
    let in_order: Vec<usize> = (0..fetcher::JOBS_MS.len()).collect();
    ensure!(seen.started == in_order, "permits out of order: {seen:?}");
    Ok(())
}

/// Part 2: sends wait while the channel is full; the end when the producer
/// is gone.
fn backpressure_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    let flow = lp.block_on(backpressure::produce_consume(
        &diary,
        backpressure::ITEMS,
        backpressure::CAPACITY,
        backpressure::PACE,
    ))?;
    let all: Vec<u32> = (0..backpressure::ITEMS).collect();
    ensure!(flow.received == all, "lost or reordered: {flow:?}");
    ensure!(
        flow.waited.len() == (backpressure::ITEMS as usize - backpressure::CAPACITY),
        "no backpressure: {flow:?}"
    );
    timeline.log(
        "channel",
        format!(
            "{} of {} sends had to wait; the producer finished at {} ms, paced by the consumer, not at once",
            flow.waited.len(),
            backpressure::ITEMS,
            flow.producer_done
        ),
    );
    Ok(())
}

/// Part 3: the async lock lets the loop run; the std lock stops it.
fn locks_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    timeline.log(
        "locks",
        "async Mutex: A holds it across a sleep, B waits, a ticker runs beside them",
    );
    let waited = lp.block_on(locks::async_mutex(&diary, locks::HOLD, locks::TICK))?;
    ensure!(
        waited.ticks_while_waiting >= 3,
        "the loop did not run while B waited: {waited:?}"
    );

    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    timeline.log(
        "locks",
        "std::sync::Mutex held across the same sleep; B asks with try_lock",
    );
    let refused = lp.block_on(locks::std_try_lock(&diary, locks::HOLD / 4))?;
    ensure!(refused, "try_lock did not find the std mutex held");

    timeline.log(
        "locks",
        format!(
            "now B really calls std lock(), on a loop in a thread of its own; a watchdog looks for {} ms",
            locks::PATIENCE.as_millis()
        ),
    );
    let stall = locks::std_lock_stall(timeline, locks::HOLD / 4, locks::TICK, locks::PATIENCE);
    match &stall.thread_ended {
        None => {
            timeline.log(
                "watchdog",
                format!(
                    "{} ms after B's lock(): ticks {} -> {} (stopped); A's sleep was due at {} ms, A never woke; B is still in lock()",
                    locks::PATIENCE.as_millis(),
                    stall.ticks_before,
                    stall.ticks_after,
                    (locks::HOLD / 4).as_millis()
                ),
            );
            timeline.log(
                "watchdog",
                "the loop's only thread sleeps in the kernel, and A, which holds the lock, can never run to unlock: that thread is left behind for good",
            );
        }
        Some(how) => timeline.log("watchdog", format!("the loop's thread ended: {how}")),
    }
    if stall.thread_ended.is_none() && (stall.ticks_after != stall.ticks_before || stall.a_woke) {
        bail!("the std lock did not stop the loop: {stall:?}");
    }
    Ok(())
}

/// Part 4: the release runs on every way out of `with`.
fn pool_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    let reports = timeline.clone();
    // The loop reports a task's panic; put it in the timeline, not stderr.
    lp.handle().set_report_handler(move |report| {
        reports.log("loop", format!("reports: {report}"));
    });
    let pool = pool::pool(&diary, pool::FLUSH);
    timeline.log(
        "pool",
        format!(
            "one connection; its release flushes it, which awaits {} ms",
            pool::FLUSH.as_millis()
        ),
    );
    lp.block_on(async {
        let ok = pool::ok_path(&diary, &pool).await;
        let err = pool::err_path(&diary, &pool).await;
        // The default hook would print the panic a second time, in another
        // shape; the loop's report above is enough.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let panicked = pool::panic_path(&diary, &pool).await;
        std::panic::set_hook(hook);
        let cancelled = pool::cancel_path(&diary, &pool).await;
        ensure!(ok == Ok(42), "ok path: {ok:?}");
        ensure!(err.is_err(), "err path: {err:?}");
        ensure!(panicked.is_some_and(|e| e.is_panic()), "the panic was lost");
        ensure!(cancelled.is_err(), "the cancel path was not cancelled");
        ensure!(pool.idle() == 1, "the connection is not back");
        Ok(())
    })??;
    timeline.log(
        "pool",
        "every way out flushed the connection before the next borrower got it",
    );
    Ok(())
}

/// Part 5: `Lines`; the hand-written async generator and the task.
fn streams_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    let lines = lp.block_on(streams::lines_over_tcp(&diary, streams::GAP / 2))??;
    ensure!(lines == ["GET /a", "GET /b", "GET /c"], "lines: {lines:?}");

    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    timeline.log(
        "streams",
        format!(
            "countdown({}, {} ms): an enum with poll_next, by hand",
            streams::FROM,
            streams::GAP.as_millis()
        ),
    );
    let by_hand = lp.block_on(streams::collect_timed(
        &diary,
        "generator",
        streams::countdown(streams::FROM, streams::GAP),
    ))?;
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    timeline.log(
        "streams",
        "the same as an async block in a task, sending into mpsc::channel(1)",
    );
    let by_task = lp.block_on(async {
        let rx = streams::countdown_task(streams::FROM, streams::GAP);
        streams::collect_timed(&diary, "task", rx).await
    })?;
    let items = |seen: &[(u128, u32)]| seen.iter().map(|&(_, i)| i).collect::<Vec<_>>();
    ensure!(
        items(&by_hand) == items(&by_task),
        "different items: {by_hand:?} {by_task:?}"
    );
    timeline.log(
        "streams",
        format!(
            "same items, {:?}; the generator needed no task and no channel",
            items(&by_hand)
        ),
    );
    Ok(())
}

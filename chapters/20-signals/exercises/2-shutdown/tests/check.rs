//! The specification of exercise 20-2: do not edit; make it pass.
//!
//! Every test runs on a paused clock: the loop jumps from deadline to
//! deadline, so the times are exact and no test waits for real.

use std::io;
use std::time::Duration;

use ex20_2_shutdown::{Shutdown, Unfinished};
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::task;
use ghetto_loop::time::sleep;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn paused() -> io::Result<EventLoop> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    Ok(lp)
}

/// How long `f` took on the loop's clock, and its output.
async fn timed<T>(f: impl Future<Output = T>) -> (Duration, T) {
    let lp = LoopHandle::current();
    let start = lp.time();
    let out = f.await;
    (lp.time() - start, out)
}

#[test]
fn wait_returns_when_triggered_and_not_before() -> io::Result<()> {
    let lp = paused()?;
    let shutdown = Shutdown::new();
    let (took, ()) = lp.block_on(async {
        let s = shutdown.clone();
        task::spawn(async move {
            sleep(secs(5)).await;
            s.trigger();
        });
        timed(shutdown.wait()).await
    })?;
    assert_eq!(took, secs(5));
    assert!(shutdown.is_triggered());
    Ok(())
}

#[test]
fn every_waiter_returns_and_a_late_one_at_once() -> io::Result<()> {
    let lp = paused()?;
    let shutdown = Shutdown::new();
    assert!(!shutdown.is_triggered());
    let woken = lp.block_on(async {
        let waiters: Vec<_> = (0..3)
            .map(|i| {
                let s = shutdown.clone();
                task::spawn(async move {
                    s.wait().await;
                    i
                })
            })
            .collect();
        sleep(secs(1)).await;
        shutdown.trigger();
        let mut woken = Vec::new();
        for w in waiters {
            woken.push(w.await.unwrap());
        }
        woken
    })?;
    assert_eq!(woken, [0, 1, 2]);
    let (took, ()) = lp.block_on(timed(shutdown.wait()))?;
    assert_eq!(took, Duration::ZERO, "already triggered");
    Ok(())
}

#[test]
fn guards_count_the_work_in_flight() -> io::Result<()> {
    let lp = paused()?;
    let shutdown = Shutdown::new();
    assert_eq!(shutdown.in_flight(), 0);
    let a = shutdown.guard();
    let b = shutdown.clone().guard();
    assert_eq!(shutdown.in_flight(), 2);
    drop(a);
    assert_eq!(shutdown.in_flight(), 1);
    drop(b);
    assert_eq!(shutdown.in_flight(), 0);
    let (took, done) = lp.block_on(timed(shutdown.drained(secs(2))))?;
    assert_eq!(
        (took, done),
        (Duration::ZERO, Ok(())),
        "nothing to wait for"
    );
    Ok(())
}

#[test]
fn drained_waits_for_the_last_guard() -> io::Result<()> {
    let lp = paused()?;
    let shutdown = Shutdown::new();
    let (took, done) = lp.block_on(async {
        for work in [1, 3] {
            let guard = shutdown.guard();
            task::spawn(async move {
                sleep(secs(work)).await;
                drop(guard);
            });
        }
        shutdown.trigger();
        timed(shutdown.drained(secs(10))).await
    })?;
    assert_eq!(done, Ok(()));
    assert_eq!(
        took,
        secs(3),
        "when the last one finished, not the deadline"
    );
    Ok(())
}

#[test]
fn drained_gives_up_at_the_deadline() -> io::Result<()> {
    let lp = paused()?;
    let shutdown = Shutdown::new();
    let (took, done) = lp.block_on(async {
        let quick = shutdown.guard();
        let stuck = shutdown.guard();
        task::spawn(async move {
            sleep(secs(1)).await;
            drop(quick);
            sleep(secs(60)).await;
            drop(stuck);
        });
        shutdown.trigger();
        timed(shutdown.drained(secs(2))).await
    })?;
    assert_eq!(done, Err(Unfinished { left: 1 }));
    assert_eq!(took, secs(2), "exactly the deadline");
    Ok(())
}

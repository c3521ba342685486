//! Time's promises (chapter 16), each on all three selectors: deadline
//! order with FIFO among equals, dropped sleeps that cost nothing later,
//! timeouts that drop what they cancel, the missed-tick behaviours, the
//! combinators, the cancel-safety claims of the module docs, and a paused
//! clock that jumps. Timing is asserted as order on the paused clock; the
//! only real-clock claims are one-sided ("never early").

mod util;

use std::cell::RefCell;
use std::io::{self, Write};
use std::net::TcpStream as StdStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ghetto_loop::event_loop::{EventLoop, LoopHandle, Pass, WaitReason};
use ghetto_loop::net::TcpListener;
use ghetto_loop::task;
use ghetto_loop::time::{
    self, Either, MissedTick, interval, join, join_all, race, sleep, sleep_until, timeout,
};
use util::{Drops, conformance};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A loop of `kind` on a paused clock.
fn paused(kind: ghetto_loop::sys::SelectorKind) -> io::Result<EventLoop> {
    let lp = EventLoop::with_kind(kind)?;
    lp.pause_clock();
    Ok(lp)
}

conformance! {
    /// 100,000 sleeping tasks wake in deadline order, and in spawn order
    /// among equal deadlines.
    fn a_hundred_thousand_sleeps_wake_in_deadline_order(kind) {
        let lp = paused(kind)?;
        let start = lp.time();
        let woke = Rc::new(RefCell::new(Vec::with_capacity(100_000)));
        for i in 0..100_000u64 {
            let deadline = start + ms((i * 7_919) % 1_000);
            let woke = woke.clone();
            lp.spawn(async move {
                sleep_until(deadline).await;
                woke.borrow_mut().push(((i * 7_919) % 1_000, i));
            });
        }
        lp.block_on(sleep(ms(2_000)))?;
        let woke = woke.borrow();
        assert_eq!(woke.len(), 100_000);
        assert!(woke.windows(2).all(|w| w[0] < w[1]), "(deadline, spawn order) ascending");
        Ok(())
    }

    /// A dropped sleep never wakes anyone, and its heap entry is shed.
    fn a_dropped_sleep_costs_nothing_later(kind) {
        let lp = paused(kind)?;
        lp.block_on(async {
            for _ in 0..1_000 {
                let mut s = std::pin::pin!(sleep(ms(10)));
                // Polled once, so it is in the heap; then dropped.
                assert!(futures_poll_once(s.as_mut()).is_pending());
            }
        })?;
        let stats = lp.stats();
        assert_eq!(stats.timers, stats.cancelled_timers, "all 1,000 are cancelled");
        let ran = lp.stats().ran;
        lp.block_on(sleep(ms(20)))?;
        assert!(lp.stats().ran - ran <= 3, "no dropped sleep woke anything");
        assert_eq!(lp.stats().timers, 0, "shed");
        Ok(())
    }

    /// A paused clock jumps: an hour of one-second timeouts takes as long
    /// as the code, not an hour.
    fn an_hour_of_timeouts_in_no_time(kind) {
        let lp = paused(kind)?;
        let real = Instant::now();
        let virtual_start = lp.time();
        let timed_out = lp.block_on(async {
            let mut timed_out = 0;
            for _ in 0..3_600 {
                if timeout(ms(1_000), std::future::pending::<()>()).await.is_err() {
                    timed_out += 1;
                }
            }
            timed_out
        })?;
        assert_eq!(timed_out, 3_600);
        assert_eq!(lp.time() - virtual_start, Duration::from_secs(3_600));
        assert!(real.elapsed() < Duration::from_secs(30), "took {:?}", real.elapsed());
        Ok(())
    }

    /// `timeout` gives the output when in time; otherwise `Elapsed`, and the
    /// future was dropped.
    fn timeout_drops_what_it_cancels(kind) {
        let lp = paused(kind)?;
        let drops = Drops::default();
        let guard = drops.guard();
        let (quick, slow) = lp.block_on(async move {
            let quick = timeout(ms(50), async { sleep(ms(10)).await; 1 }).await;
            let slow = timeout(ms(50), async move {
                let _guard = guard;
                sleep(ms(100)).await;
                2
            })
            .await;
            (quick, slow)
        })?;
        assert_eq!(quick, Ok(1));
        let err = slow.unwrap_err();
        assert_eq!(err.to_string(), "timed out after 50ms");
        assert_eq!(drops.count(), 1);
        Ok(())
    }

    /// The three missed-tick behaviours after a consumer that was busy for
    /// 35 ms with a 10 ms period (the table in `MissedTick`'s docs).
    fn missed_ticks_burst_delay_or_skip(kind) {
        let lp = paused(kind)?;
        for (missed, expect) in [
            (MissedTick::Burst, [0, 10, 20, 30, 40, 50]),
            (MissedTick::Delay, [0, 35, 45, 55, 65, 75]),
            (MissedTick::Skip, [0, 10, 40, 50, 60, 70]),
        ] {
            let handle = lp.handle();
            let got = lp.block_on(async move {
                let start = handle.time();
                let mut ticks = interval(ms(10));
                ticks.set_missed_tick(missed);
                let mut got = Vec::new();
                for i in 0..6 {
                    let due = ticks.tick().await;
                    // When the consumer saw it, for Delay; when it was due,
                    // for the others.
                    let at = if missed == MissedTick::Delay { handle.time() } else { due };
                    got.push((at - start).as_millis() as u64);
                    if i == 0 {
                        handle.advance_clock(ms(35)); // busy for 35 ms
                    }
                }
                got
            })?;
            assert_eq!(got, expect, "{missed:?}");
        }
        Ok(())
    }

    /// `join` and `join_all` wait for all; `select` and `race` for the
    /// first, dropping the rest.
    fn join_waits_for_all_select_drops_the_loser(kind) {
        let lp = paused(kind)?;
        let drops = Drops::default();
        let guard = drops.guard();
        let (joined, all, first, raced) = lp.block_on(async move {
            let joined = join(async { sleep(ms(20)).await; 'a' }, async { 'b' }).await;
            let all = join_all((0..5u64).map(|i| async move { sleep(ms(50 - i * 10)).await; i })).await;
            let first = time::select(
                async move { let _guard = guard; sleep(ms(30)).await; "slow" },
                async { sleep(ms(10)).await; 10 },
            )
            .await;
            let raced = race(async { sleep(ms(5)).await; 1 }, async { sleep(ms(1)).await; 2 }).await;
            (joined, all, first, raced)
        })?;
        assert_eq!(joined, ('a', 'b'));
        assert_eq!(all, [0, 1, 2, 3, 4]);
        assert_eq!(first, Either::Right(10));
        assert_eq!(drops.count(), 1, "the loser was dropped");
        assert_eq!(raced, 2);
        Ok(())
    }

    /// The module docs' cancel-safety claims: a `tick` dropped halfway took
    /// no tick; `read` and `accept` dropped halfway lose nothing.
    fn cancel_safe_futures_lose_nothing_when_dropped(kind) {
        let lp = paused(kind)?;
        let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
        let addr = listener.local_addr()?;
        let (ticks, accepted, bytes) = lp.block_on(async move {
            // A tick dropped before it was due, then awaited again.
            let mut ticks = interval(ms(10));
            ticks.tick().await;
            let lost = time::select(ticks.tick(), sleep(ms(5))).await;
            assert!(matches!(lost, Either::Right(())));
            let again = ticks.tick().await;
            // An accept dropped while no one connected, then a client.
            let gave_up = time::select(listener.accept(), std::future::ready(())).await;
            assert!(matches!(gave_up, Either::Right(())));
            let mut client = StdStream::connect(addr)?;
            let (stream, _) = listener.accept().await?;
            // A read dropped before data came; the data comes; read again.
            let mut buf = [0u8; 16];
            let waited = time::select(stream.read(&mut buf), std::future::ready(())).await;
            assert!(matches!(waited, Either::Right(())));
            client.write_all(b"all of it")?;
            // Exactly what was sent: a read may return it in pieces.
            let n = b"all of it".len();
            stream.read_exact(&mut buf[..n]).await?;
            Ok::<_, io::Error>((again, true, buf[..n].to_vec()))
        })??;
        let _ = (ticks, accepted);
        assert_eq!(bytes, b"all of it");
        Ok(())
    }

    /// The nearest deadline sets the selector's timeout (real clock: only
    /// the upper bound is asserted).
    fn the_nearest_deadline_sets_the_wait(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = Rc::new(RefCell::new(Vec::<Pass>::new()));
        let sink = passes.clone();
        lp.on_pass(move |p| sink.borrow_mut().push(*p));
        lp.block_on(join(sleep(ms(30)), sleep(ms(10))))?;
        let waits: Vec<Duration> = passes
            .borrow()
            .iter()
            .filter(|p| p.reason == WaitReason::NearestTimer)
            .filter_map(|p| p.timeout)
            .collect();
        assert!(!waits.is_empty());
        assert!(waits[0] <= ms(10), "the first wait is for the nearer sleep: {waits:?}");
        Ok(())
    }

    /// A timer never fires early, on the real clock, even for deadlines that
    /// are not whole milliseconds away.
    fn a_sleep_is_never_early(kind) {
        let lp = EventLoop::with_kind(kind)?;
        for d in [Duration::from_micros(1_500), ms(1), Duration::from_micros(300)] {
            let started = Instant::now();
            lp.block_on(sleep(d))?;
            assert!(started.elapsed() >= d, "{d:?} slept {:?}", started.elapsed());
        }
        Ok(())
    }
}

/// Polls a future once with a waker that does nothing.
fn futures_poll_once<F: std::future::Future>(
    f: std::pin::Pin<&mut F>,
) -> std::task::Poll<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    f.poll(&mut cx)
}

/// `task::spawn` inside a paused loop sleeps on the same virtual clock.
#[test]
fn tasks_share_the_paused_clock() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let order = lp.block_on(async {
        let lp = LoopHandle::current();
        let log = Rc::new(RefCell::new(Vec::new()));
        let (l1, l2) = (log.clone(), log.clone());
        let a = task::spawn(async move {
            sleep(ms(500)).await;
            l1.borrow_mut().push("a");
        });
        let b = task::spawn(async move {
            sleep(ms(100)).await;
            l2.borrow_mut().push("b");
        });
        let started = lp.time();
        let _ = (a.await, b.await);
        assert_eq!(lp.time() - started, ms(500));
        log.take()
    })?;
    assert_eq!(order, ["b", "a"]);
    Ok(())
}

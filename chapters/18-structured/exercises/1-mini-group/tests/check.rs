//! The specification of exercise 18-1: do not edit; make it pass.
//!
//! Every test runs on a paused clock: the loop jumps from deadline to
//! deadline, so times are exact and no test waits for real.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::Duration;

use ex18_1_mini_group::{ChildResult, MiniGroup};
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::time::{sleep, timeout};

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

/// What the children did: the names of those that finished, in order.
type Log = Rc<RefCell<Vec<&'static str>>>;

/// A child that holds `guard`, sleeps `takes`, logs `name`, and returns
/// `result`.
async fn child(
    name: &'static str,
    takes: Duration,
    result: ChildResult,
    log: Log,
    guard: Guard,
) -> ChildResult {
    let _guard = guard;
    sleep(takes).await;
    log.borrow_mut().push(name);
    result
}

/// Runs `future` on `lp` and returns its output and the loop time it took.
fn timed<T>(lp: &EventLoop, future: impl Future<Output = T>) -> io::Result<(T, Duration)> {
    lp.block_on(async {
        let start = LoopHandle::current().time();
        let output = future.await;
        (output, LoopHandle::current().time() - start)
    })
}

#[test]
fn an_empty_group_is_over_at_once() -> io::Result<()> {
    let lp = paused()?;
    let (result, took) = timed(&lp, MiniGroup::new().wait())?;
    assert_eq!(result, Ok(()));
    assert_eq!(took, Duration::ZERO);
    Ok(())
}

#[test]
fn wait_returns_when_the_last_child_is_done() -> io::Result<()> {
    let lp = paused()?;
    let (log, drops) = (Log::default(), Rc::new(Cell::new(0)));
    let (result, took) = timed(&lp, async {
        let mut g = MiniGroup::new();
        for (name, n) in [("a", 10), ("b", 30), ("c", 20)] {
            let guard = Guard(drops.clone());
            g.spawn(name, child(name, ms(n), Ok(()), log.clone(), guard));
        }
        g.wait().await
    })?;
    assert_eq!(result, Ok(()));
    assert_eq!(took, ms(30), "it waited for the slowest child, no longer");
    assert_eq!(*log.borrow(), ["a", "c", "b"]);
    assert_eq!(drops.get(), 3);
    Ok(())
}

#[test]
fn the_first_error_aborts_the_others_before_wait_returns() -> io::Result<()> {
    let lp = paused()?;
    let (log, drops) = (Log::default(), Rc::new(Cell::new(0)));
    let ((result, dropped_by_then), took) = timed(&lp, async {
        let mut g = MiniGroup::new();
        let (l, d) = (log.clone(), drops.clone());
        g.spawn(
            "slow",
            child("slow", ms(1_000), Ok(()), l.clone(), Guard(d.clone())),
        );
        g.spawn(
            "slower",
            child("slower", ms(2_000), Ok(()), l.clone(), Guard(d.clone())),
        );
        g.spawn(
            "broken",
            child("broken", ms(10), Err("refused".into()), l, Guard(d)),
        );
        let result = g.wait().await;
        (result, drops.get())
    })?;
    assert!(result.is_err());
    assert_eq!(took, ms(10), "nobody waited for the slow ones");
    assert_eq!(
        dropped_by_then, 3,
        "every child was gone when wait returned"
    );
    // Long past their deadlines: the aborted children never ran again.
    lp.block_on(sleep(ms(5_000)))?;
    assert_eq!(*log.borrow(), ["broken"]);
    assert_eq!(drops.get(), 3);
    Ok(())
}

#[test]
fn the_error_names_the_child_that_failed_first() -> io::Result<()> {
    let lp = paused()?;
    let (log, drops) = (Log::default(), Rc::new(Cell::new(0)));
    let (result, _) = timed(&lp, async {
        let mut g = MiniGroup::new();
        let (l, d) = (log.clone(), drops.clone());
        g.spawn(
            "late",
            child(
                "late",
                ms(20),
                Err("too late".into()),
                l.clone(),
                Guard(d.clone()),
            ),
        );
        g.spawn(
            "db",
            child("db", ms(5), Err("connection refused".into()), l, Guard(d)),
        );
        g.wait().await
    })?;
    assert_eq!(result, Err("db: connection refused".to_owned()));
    Ok(())
}

#[test]
fn a_group_dropped_while_waiting_aborts_every_child() -> io::Result<()> {
    let lp = paused()?;
    let (log, drops) = (Log::default(), Rc::new(Cell::new(0)));
    let result = lp.block_on(async {
        let mut g = MiniGroup::new();
        let (l, d) = (log.clone(), drops.clone());
        g.spawn(
            "a",
            child("a", ms(100), Ok(()), l.clone(), Guard(d.clone())),
        );
        g.spawn("b", child("b", ms(200), Ok(()), l, Guard(d)));
        timeout(ms(50), g.wait()).await
    })?;
    assert!(result.is_err(), "the timeout fired");
    // Aborted tasks are dropped at the loop's next turn; let it turn.
    lp.block_on(sleep(ms(1_000)))?;
    assert_eq!(drops.get(), 2, "both children were dropped");
    assert!(log.borrow().is_empty(), "and neither finished");
    Ok(())
}

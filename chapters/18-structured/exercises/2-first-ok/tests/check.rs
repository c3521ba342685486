//! The specification of exercise 18-2: do not edit; make it pass.
//!
//! Every test runs on a paused clock: the loop jumps from deadline to
//! deadline, so times are exact and no test waits for real.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::Duration;

use ex18_2_first_ok::first_ok;
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

/// What the attempts saw: drops of unfinished attempts, and the names of
/// those that finished.
#[derive(Clone, Default)]
struct Seen {
    dropped: Rc<Cell<u32>>,
    finished: Rc<RefCell<Vec<&'static str>>>,
}

/// Counts a drop unless its attempt finished.
struct Guard {
    seen: Seen,
    finished: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.finished {
            self.seen.dropped.set(self.seen.dropped.get() + 1);
        }
    }
}

/// An attempt called `name`: `takes`, then `Ok(name)` or `Err(name)`.
async fn attempt(
    name: &'static str,
    takes: Duration,
    succeeds: bool,
    seen: Seen,
) -> Result<&'static str, &'static str> {
    let mut guard = Guard {
        seen: seen.clone(),
        finished: false,
    };
    sleep(takes).await;
    guard.finished = true;
    seen.finished.borrow_mut().push(name);
    if succeeds { Ok(name) } else { Err(name) }
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
fn the_first_success_wins_at_once() -> io::Result<()> {
    let lp = paused()?;
    let seen = Seen::default();
    let attempts = vec![
        attempt("slow", ms(100), true, seen.clone()),
        attempt("fast", ms(30), true, seen.clone()),
        attempt("medium", ms(50), true, seen.clone()),
    ];
    let (result, took) = timed(&lp, first_ok(attempts))?;
    assert_eq!(result, Ok("fast"));
    assert_eq!(took, ms(30), "side by side, and no waiting for the others");
    Ok(())
}

#[test]
fn a_quick_failure_does_not_win() -> io::Result<()> {
    let lp = paused()?;
    let seen = Seen::default();
    let attempts = vec![
        attempt("refused", ms(10), false, seen.clone()),
        attempt("works", ms(40), true, seen.clone()),
    ];
    let (result, took) = timed(&lp, first_ok(attempts))?;
    assert_eq!(result, Ok("works"));
    assert_eq!(took, ms(40));
    Ok(())
}

#[test]
fn the_losers_are_dropped_before_it_returns() -> io::Result<()> {
    let lp = paused()?;
    let seen = Seen::default();
    let attempts = vec![
        attempt("a", ms(100), true, seen.clone()),
        attempt("b", ms(20), true, seen.clone()),
        attempt("c", ms(300), false, seen.clone()),
    ];
    let dropped = seen.dropped.clone();
    let (result, dropped_by_then) = lp.block_on(async {
        let result = first_ok(attempts).await;
        (result, dropped.get())
    })?;
    assert_eq!(result, Ok("b"));
    assert_eq!(
        dropped_by_then, 2,
        "both losers gone when the winner came back"
    );
    // Long past their deadlines: they never ran again.
    lp.block_on(sleep(ms(1_000)))?;
    assert_eq!(*seen.finished.borrow(), ["b"]);
    Ok(())
}

#[test]
fn when_all_fail_every_error_comes_back_in_the_order_given() -> io::Result<()> {
    let lp = paused()?;
    let seen = Seen::default();
    let attempts = vec![
        attempt("x", ms(30), false, seen.clone()),
        attempt("y", ms(10), false, seen.clone()),
        attempt("z", ms(20), false, seen.clone()),
    ];
    let (result, took) = timed(&lp, first_ok(attempts))?;
    assert_eq!(result, Err(vec!["x", "y", "z"]));
    assert_eq!(took, ms(30), "it waited for the last failure, and no more");
    assert_eq!(seen.dropped.get(), 0);
    Ok(())
}

#[test]
fn no_attempts_is_no_success() -> io::Result<()> {
    let lp = paused()?;
    let attempts: Vec<std::future::Ready<Result<u8, &str>>> = Vec::new();
    let (result, took) = timed(&lp, first_ok(attempts))?;
    assert_eq!(result, Err(vec![]));
    assert_eq!(took, Duration::ZERO);
    Ok(())
}

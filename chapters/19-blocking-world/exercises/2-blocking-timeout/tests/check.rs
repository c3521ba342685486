//! The specification of exercise 19-2: do not edit; make it pass.
//!
//! Outcomes are decided by channels, not by racing clocks: a closure that
//! must time out is held until the test has seen the timeout, and one that
//! must not is released at once, with a limit far longer than it needs.

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use course::testing::PATIENCE;
use ex19_2_blocking_timeout::{BlockingError, timeout_blocking};
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::task;
use ghetto_loop::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Tells a channel when it is dropped, and on which thread.
struct Tell(mpsc::Sender<std::thread::ThreadId>);

impl Drop for Tell {
    fn drop(&mut self) {
        let _ = self.0.send(std::thread::current().id());
    }
}

#[test]
fn in_time_the_value_comes_back_as_soon_as_it_is_ready() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let started = Instant::now();
    let got = lp.block_on(timeout_blocking(PATIENCE, || 6 * 7))?;
    assert_eq!(got, Ok(42));
    assert!(
        started.elapsed() < PATIENCE,
        "it did not wait for the limit"
    );
    Ok(())
}

#[test]
fn too_late_is_timed_out_with_the_limit() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (release, held) = mpsc::channel::<()>();
    let got = lp.block_on(timeout_blocking(ms(50), move || {
        let _ = held.recv_timeout(PATIENCE);
        "too late"
    }))?;
    let _ = release.send(());
    assert_eq!(got, Err(BlockingError::TimedOut(ms(50))));
    Ok(())
}

#[test]
fn the_work_runs_on_after_the_timeout_and_its_value_is_dropped_in_the_pool() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (release, held) = mpsc::channel::<()>();
    let (told, dropped) = mpsc::channel();
    let (finished_tx, finished) = mpsc::channel::<()>();
    let got = lp.block_on(timeout_blocking(ms(20), move || {
        let _ = held.recv_timeout(PATIENCE);
        let _ = finished_tx.send(());
        Tell(told)
    }))?;
    assert!(matches!(got, Err(BlockingError::TimedOut(_))));
    // Only now is the closure let go: it was still running.
    release.send(()).expect("the closure is still waiting");
    finished
        .recv_timeout(PATIENCE)
        .expect("the closure ran to its end");
    let on = dropped
        .recv_timeout(PATIENCE)
        .expect("its value was dropped");
    assert_ne!(on, std::thread::current().id(), "on the pool thread");
    Ok(())
}

#[test]
fn a_panic_is_an_error_with_its_message() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let got = lp.block_on(timeout_blocking(PATIENCE, || -> u8 {
        panic!("disk on fire")
    }))?;
    assert_eq!(got, Err(BlockingError::Panicked("disk on fire".into())));
    Ok(())
}

#[test]
fn the_loop_runs_other_tasks_while_it_waits() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (go, wait_for_go) = mpsc::channel::<()>();
    let ticks = Rc::new(Cell::new(0));
    let counter = ticks.clone();
    let got = lp.block_on(async move {
        let ticker = task::spawn(async move {
            for _ in 0..3 {
                sleep(ms(1)).await;
                counter.set(counter.get() + 1);
            }
            let _ = go.send(());
        });
        let got =
            timeout_blocking(PATIENCE, move || wait_for_go.recv_timeout(PATIENCE).is_ok()).await;
        let _ = ticker.await;
        got
    })?;
    assert_eq!(got, Ok(true), "the ticker ran while the closure waited");
    assert_eq!(ticks.get(), 3);
    Ok(())
}

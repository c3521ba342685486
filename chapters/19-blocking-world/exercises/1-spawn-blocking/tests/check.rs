//! The specification of exercise 19-1: do not edit; make it pass.
//!
//! Nothing here waits on a clock to decide an outcome: the closures block
//! on channels that a task on the loop opens, and the future's polls are
//! counted.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::mpsc;
use std::task::{Context, Poll};

use course::testing::PATIENCE;
use ex19_1_spawn_blocking::{Panicked, my_spawn_blocking};
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::task;

/// Counts the polls of the future it wraps.
struct CountPolls<F> {
    inner: Pin<Box<F>>,
    polls: Rc<Cell<u32>>,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

#[test]
fn the_value_comes_back() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let answer = lp.block_on(my_spawn_blocking(|| 6 * 7))?;
    assert_eq!(answer, Ok(42));
    let text = lp.block_on(my_spawn_blocking(|| "owned".to_string()))?;
    assert_eq!(text.as_deref(), Ok("owned"));
    Ok(())
}

#[test]
fn the_closure_runs_on_another_thread() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let here = std::thread::current().id();
    let there = lp.block_on(my_spawn_blocking(|| std::thread::current().id()))?;
    assert_ne!(there, Ok(here));
    Ok(())
}

#[test]
fn the_loop_runs_other_tasks_while_the_closure_blocks() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (go, wait_for_go) = mpsc::channel::<()>();
    let ticks = Rc::new(Cell::new(0));
    let counter = ticks.clone();
    let (got, ticks_seen) = lp.block_on(async move {
        // The closure blocks until the ticker has ticked three times. Run
        // on the loop's thread, it would wait in vain for its patience.
        let blocked = my_spawn_blocking(move || wait_for_go.recv_timeout(PATIENCE).is_ok());
        let ticker = task::spawn(async move {
            for _ in 0..3 {
                task::yield_now().await;
                counter.set(counter.get() + 1);
            }
            let _ = go.send(());
        });
        let got = blocked.await;
        let _ = ticker.await;
        (got, ticks.get())
    })?;
    assert_eq!(got, Ok(true), "the go-ahead came while the closure waited");
    assert_eq!(ticks_seen, 3);
    Ok(())
}

#[test]
fn a_panic_in_the_closure_is_an_error_and_the_loop_goes_on() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let failed = lp.block_on(my_spawn_blocking(|| -> u32 { panic!("bad input") }))?;
    assert_eq!(
        failed,
        Err(Panicked {
            message: "bad input".into()
        })
    );
    let formatted = lp.block_on(my_spawn_blocking(|| -> u32 {
        let n = 7;
        panic!("bad input {n}")
    }))?;
    assert_eq!(formatted.unwrap_err().message, "bad input 7");
    // The same loop runs the next one as if nothing happened.
    assert_eq!(lp.block_on(my_spawn_blocking(|| 1))?, Ok(1));
    Ok(())
}

#[test]
fn the_waker_wakes_it_and_nothing_else_polls_it() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (go, wait_for_go) = mpsc::channel::<()>();
    let polls = Rc::new(Cell::new(0));
    let counted = CountPolls {
        inner: Box::pin(my_spawn_blocking(move || {
            wait_for_go.recv_timeout(PATIENCE).is_ok()
        })),
        polls: polls.clone(),
    };
    let seen = polls.clone();
    let got = lp.block_on(async move {
        let job = task::spawn(counted);
        // Let the job be polled once (Pending), then open the gate.
        while seen.get() == 0 {
            task::yield_now().await;
        }
        let _ = go.send(());
        job.await.expect("the job's task")
    })?;
    assert_eq!(got, Ok(true));
    // Once Pending, once Ready: the thread's wake, not a busy loop.
    assert_eq!(polls.get(), 2);
    Ok(())
}

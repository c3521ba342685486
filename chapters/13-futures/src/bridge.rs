//! Part 4: the callback future, awaited. Push meets pull (chapter 13).
//!
//! A task awaits a `CallbackFuture`; a timer callback fills it. Polling the
//! future while it is pending leaves the task's waker in it, next to the
//! done callbacks; `set_result` schedules the callbacks and calls the
//! wakers. Both only *queue* work: the task is polled again by the loop,
//! after the timer callback has returned, never from inside `set_result`.
//!
//! The task and `block_on` are chapter 14's; here they are just "whoever
//! polls", and the poll count shows it is polled twice: once to start, and
//! once after the wake.

use std::cell::Cell;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::future::FutureError;

use crate::callback::current_pass;

/// How long the timer waits before it fills the future.
pub const FILL_AFTER: Duration = Duration::from_millis(50);

/// What part 4 saw, for the demo's summary and the tests.
#[derive(Debug)]
pub struct Outcome {
    /// What the task's `.await` gave.
    pub value: Result<&'static str, FutureError>,
    /// How many times the task polled the future.
    pub polls: u32,
    /// The pass in which the timer set the result.
    pub set_in_pass: u64,
    /// The pass in which the task resumed after its `.await`.
    pub resumed_in_pass: u64,
}

/// Runs part 4 on a new loop, logging every step on `timeline`.
pub fn show(timeline: &Timeline) -> anyhow::Result<Outcome> {
    let lp = EventLoop::new()?;
    let fut = lp.create_future::<&'static str>();

    let set_in_pass = Rc::new(Cell::new(0));
    {
        let (timeline, fut, handle, set_in_pass) = (
            timeline.clone(),
            fut.clone(),
            lp.handle(),
            set_in_pass.clone(),
        );
        lp.call_later(FILL_AFTER, move || {
            set_in_pass.set(current_pass(&handle));
            timeline.log(
                "timer",
                format!("fires in pass {}: set_result(\"pong\")", set_in_pass.get()),
            );
            let outcome = fut.set_result("pong");
            timeline.log(
                "timer",
                format!("set_result returned {outcome:?}; the task was woken, not run"),
            );
        });
    }
    {
        let timeline = timeline.clone();
        fut.add_done_callback(move |f| {
            timeline.log("callback", format!("runs: result() = {:?}", f.result()));
        });
    }

    let task = {
        let (timeline, handle) = (timeline.clone(), lp.handle());
        lp.spawn(async move {
            timeline.log("task", "starts, and awaits the future");
            // `fut.await`, with a counter around each poll of it.
            let polls = Cell::new(0);
            let mut fut = fut;
            let value = poll_fn(|cx| {
                polls.set(polls.get() + 1);
                Pin::new(&mut fut).poll(cx)
            })
            .await;
            let pass = current_pass(&handle);
            timeline.log(
                "task",
                format!(
                    "resumes in pass {pass} with {value:?}, after {} polls of the future",
                    polls.get()
                ),
            );
            (value, polls.get(), pass)
        })
    };
    let (value, polls, resumed_in_pass) = lp.block_on(task)??;
    Ok(Outcome {
        value,
        polls,
        set_in_pass: set_in_pass.get(),
        resumed_in_pass,
    })
}

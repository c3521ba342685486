//! The task waker: many wake-ups queue a task once, and a waker called on
//! another thread wakes a parked task through the loop's door.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use ch14_executor::wakers;
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

#[test]
fn a_task_woken_many_times_before_it_runs_is_polled_once() -> anyhow::Result<()> {
    let t = Timeline::quiet();
    assert_eq!(ghetto_loop::run(wakers::woken_many_times(&t, 3))??, 1);
    assert_eq!(ghetto_loop::run(wakers::woken_many_times(&t, 1000))??, 1);
    Ok(())
}

#[test]
fn a_waker_called_on_another_thread_wakes_the_parked_task() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let from_elsewhere = Rc::new(RefCell::new(0));
    let sink = from_elsewhere.clone();
    lp.handle()
        .on_pass(move |pass| *sink.borrow_mut() += pass.threadsafe);
    let polls = lp.block_on(wakers::wake_from_thread(&Timeline::quiet(), Duration::ZERO))??;
    assert_eq!(polls, 2, "parked, then woken and done");
    assert_eq!(
        *from_elsewhere.borrow(),
        1,
        "the wake-up came through the door"
    );
    Ok(())
}

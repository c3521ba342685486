//! The callback future's promises: done once, callbacks never inline, a
//! clear error for a result asked too early.

use std::cell::Cell;
use std::rc::Rc;

use ch13_futures::callback;
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::future::FutureError;

#[test]
fn part_one_runs_callbacks_a_pass_after_set_result() -> anyhow::Result<()> {
    let seen = callback::show(&Timeline::quiet())?;
    assert!(matches!(seen.too_early, FutureError::NotDone));
    assert_eq!(seen.ran_before_set_returned, 0);
    assert_eq!(
        seen.callback_passes,
        [seen.set_in_pass + 1, seen.set_in_pass + 1]
    );
    assert!(matches!(seen.second_set, Err(FutureError::AlreadyDone)));
    assert_eq!(seen.result.ok(), Some("pong"));
    Ok(())
}

#[test]
fn a_callback_added_after_the_end_is_still_not_run_inline() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let fut = lp.create_future::<u8>();
    fut.set_result(7).expect("a new future takes a result");
    let ran = Rc::new(Cell::new(false));
    let flag = ran.clone();
    fut.add_done_callback(move |f| {
        assert_eq!(f.result().ok(), Some(7));
        flag.set(true);
    });
    assert!(!ran.get(), "add_done_callback ran the callback inline");
    lp.run_once()?;
    assert!(ran.get(), "the loop's next pass runs it");
    Ok(())
}

#[test]
fn the_first_outcome_stays() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let fut = lp.create_future::<&str>();
    fut.set_result("first")
        .expect("a new future takes a result");
    assert!(matches!(
        fut.set_result("second"),
        Err(FutureError::AlreadyDone)
    ));
    assert!(matches!(
        fut.set_error("too late"),
        Err(FutureError::AlreadyDone)
    ));
    assert!(!fut.cancel(), "cancel says no once it is done");
    assert_eq!(fut.result().ok(), Some("first"));
    Ok(())
}

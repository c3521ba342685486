//! The JoinHandle's promises: values come back, a dropped handle detaches,
//! abort drops the future on the loop, a panic is an error for one task.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ch14_executor::{cancel, handles};
use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, Report};
use ghetto_loop::task;

/// Counts its drops.
struct DropCounter(Rc<Cell<u32>>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn values_come_back_through_the_handles() -> anyhow::Result<()> {
    assert_eq!(
        ghetto_loop::run(handles::spawn_and_join(&Timeline::quiet()))??,
        42
    );
    Ok(())
}

#[test]
fn a_task_whose_handle_was_dropped_still_finishes() -> anyhow::Result<()> {
    assert!(ghetto_loop::run(handles::detach(&Timeline::quiet()))??);
    Ok(())
}

#[test]
fn abort_drops_the_future_on_the_loop_and_the_handle_says_cancelled() -> anyhow::Result<()> {
    let outcome = ghetto_loop::run(cancel::abort(&Timeline::quiet()))??;
    assert!(!outcome.dropped_inside_abort, "abort only asks");
    assert!(outcome.dropped_before_join, "the loop dropped it");
    assert!(outcome.error.is_cancelled());
    Ok(())
}

#[test]
fn an_aborted_future_is_dropped_exactly_once() -> anyhow::Result<()> {
    let drops = Rc::new(Cell::new(0));
    let counter = DropCounter(drops.clone());
    let error = ghetto_loop::run(async {
        let stuck = task::spawn(async move {
            let _counter = counter;
            std::future::pending::<()>().await;
        });
        task::yield_now().await;
        stuck.abort();
        stuck.abort();
        stuck.await
    })?
    .expect_err("an aborted task has no value");
    assert!(error.is_cancelled());
    assert_eq!(drops.get(), 1);
    Ok(())
}

#[test]
fn a_panicking_task_is_an_error_for_itself_only() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = reports.clone();
    lp.set_report_handler(move |r: &Report| sink.borrow_mut().push(r.clone()));
    let t = Timeline::quiet();
    let outcome = lp.block_on(cancel::panic_next_door(&t))??;
    assert!(outcome.error.is_panic());
    assert_eq!(outcome.error.panic_message(), Some("the disk is full"));
    assert_eq!(outcome.survivor, "done");
    let reports = reports.borrow();
    let [
        Report::Panicked {
            what,
            scheduled_at,
            message,
        },
    ] = reports.as_slice()
    else {
        panic!("one panic report, not {reports:?}");
    };
    assert!(what.contains("(doomed)") && what.contains(&outcome.error.id().to_string()));
    assert!(scheduled_at.file().ends_with("src/cancel.rs"));
    assert_eq!(message, "the disk is full");
    Ok(())
}

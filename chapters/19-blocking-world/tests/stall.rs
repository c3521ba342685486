//! The chapter's claim, on the real clock: a blocking call inside a task
//! stalls every client of the loop for about as long as it blocks; the
//! same call in `spawn_blocking` stalls none. Debug mode names the task
//! that blocked, with the line that spawned it, and says nothing when the
//! work is in the pool.
//!
//! Timing claims are one-sided and generous: half the blocking time
//! separates "stalled" from "not stalled", far from both real values
//! (about the whole block, and well under a millisecond).

use std::cell::RefCell;
use std::io;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use ch19_blocking_world::stall::{Outcome, Place, Scenario, measure};
use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, Report};

const SCENARIO: Scenario = Scenario {
    clients: 2,
    period: Duration::from_millis(10),
    work: Duration::from_millis(200),
    settle: Duration::from_millis(50),
};

/// Runs the scenario in debug mode; returns what it measured and every
/// report the loop made.
fn run(place: Place) -> io::Result<(Outcome, Vec<Report>)> {
    let lp = EventLoop::new()?;
    lp.set_debug(true);
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = reports.clone();
    lp.set_report_handler(move |r| sink.borrow_mut().push(r.clone()));
    let outcome = lp.block_on(measure(SCENARIO, place, &Timeline::quiet()))??;
    drop(lp);
    let reports = reports.borrow().clone();
    Ok((outcome, reports))
}

fn slow_reports(reports: &[Report]) -> Vec<Report> {
    reports
        .iter()
        .filter(|r| matches!(r, Report::Slow { .. }))
        .cloned()
        .collect()
}

#[test]
fn a_task_that_blocks_stalls_every_client() -> io::Result<()> {
    let (out, _) = run(Place::OnTheLoop)?;
    assert!(out.work_took >= SCENARIO.work, "{out:?}");
    // Some ping goes out within a period of the block's start, and its
    // echo waits for the block's end.
    assert!(
        out.worst >= SCENARIO.work / 2,
        "the worst round trip should be about the block: {out:?}"
    );
    assert!(
        out.typical < SCENARIO.work / 2,
        "only the stall was slow: {out:?}"
    );
    Ok(())
}

#[test]
fn the_same_work_in_the_pool_stalls_nobody() -> io::Result<()> {
    let (out, _) = run(Place::InThePool)?;
    assert!(
        out.work_took >= SCENARIO.work,
        "the work still took as long: {out:?}"
    );
    assert!(
        out.worst < SCENARIO.work / 2,
        "no round trip should wait for the pool's sleep: {out:?}"
    );
    // The clients kept pinging through the work: at least a ping per
    // period for most of it, from each client.
    let periods = (SCENARIO.work.as_millis() / SCENARIO.period.as_millis()) as usize;
    assert!(out.round_trips >= SCENARIO.clients * periods / 2, "{out:?}");
    Ok(())
}

#[test]
fn debug_mode_names_the_culprit_and_where_it_was_spawned() -> io::Result<()> {
    let (out, reports) = run(Place::OnTheLoop)?;
    let slow = slow_reports(&reports);
    let [
        Report::Slow {
            what,
            scheduled_at,
            took,
        },
    ] = &slow[..]
    else {
        panic!("one slow report expected, for the culprit: {reports:?}");
    };
    assert_eq!(*what, format!("{} (culprit)", out.culprit));
    assert!(*took >= SCENARIO.work);
    // The spawn site is the line of `stall.rs` that spawned the culprit.
    assert!(
        scheduled_at.file().ends_with("src/stall.rs"),
        "{scheduled_at}"
    );
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/stall.rs"))?;
    let line = source
        .lines()
        .nth(scheduled_at.line() as usize - 1)
        .unwrap_or_default();
    assert!(line.contains("spawn_named(\"culprit\""), "{line}");
    let text = slow[0].to_string();
    assert!(
        text.contains("(culprit) spawned at") && text.contains("blocking the loop"),
        "{text}"
    );
    Ok(())
}

#[test]
fn debug_mode_is_silent_when_the_work_is_in_the_pool() -> io::Result<()> {
    let (_, reports) = run(Place::InThePool)?;
    assert_eq!(slow_reports(&reports), [], "no poll blocked the loop");
    Ok(())
}

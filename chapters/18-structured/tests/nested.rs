//! Nested groups: an inner error comes up through both groups; a timeout
//! around the outer group drops every child at both levels, and nothing
//! runs on afterwards.

mod util;

use std::io;

use ch18_structured::nested::{self, PATIENCE, WATCH};
use ch18_structured::noisy::{drops, drops_of};
use util::{at, has, paused};

#[test]
fn an_inner_error_comes_up_with_both_names() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let err = lp.block_on(nested::error_travels_up(&diary))?.unwrap_err();
    assert_eq!(err.errors().len(), 1);
    assert_eq!(err.errors()[0].name(), "report");
    assert_eq!(
        err.to_string(),
        "1 child of the task group failed: report: 1 child of the task group failed: totals: division by zero"
    );
    // The outer sibling was cancelled by it; the child that ran the inner
    // group returned its error, so it was not dropped.
    assert_eq!(drops_of(&diary, "sibling"), 1);
    assert_eq!(drops_of(&diary, "report"), 0);
    assert!(has(&diary, "rows", "finished"));
    Ok(())
}

#[test]
fn a_timeout_around_nested_groups_drops_every_child() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let result = lp.block_on(nested::cancelled_and_watched(&diary))?;
    assert!(result.is_err(), "the timeout fired");
    for child in ["outer-1", "inner", "inner-1", "inner-2"] {
        assert_eq!(drops_of(&diary, child), 1, "{child} was dropped once");
        assert_eq!(
            at(&diary, child, "dropped"),
            PATIENCE.as_millis(),
            "{child}"
        );
        assert!(!has(&diary, child, "finished"), "{child}");
    }
    assert_eq!(drops(&diary), 4);
    // A minute later (long past every child's own end), nothing else ran.
    assert_eq!(diary.now(), PATIENCE + WATCH);
    assert!(has(&diary, "watch", ": 0 lines from children that run on"));
    Ok(())
}

#[test]
fn the_drops_happen_on_the_loops_next_turns_after_the_timeout() -> io::Result<()> {
    let (lp, diary) = paused()?;
    lp.block_on(nested::cancelled_from_outside(&diary))?
        .unwrap_err();
    // `abort` drops a task at its next turn, so when `timeout` returns the
    // children are aborted but not yet dropped; turns of the loop later, at
    // the same instant, they all are.
    assert_eq!(drops(&diary), 0);
    lp.block_on(ghetto_loop::time::sleep(std::time::Duration::ZERO))?;
    lp.block_on(ghetto_loop::time::sleep(std::time::Duration::ZERO))?;
    assert_eq!(drops(&diary), 4);
    assert_eq!(diary.now(), PATIENCE);
    Ok(())
}

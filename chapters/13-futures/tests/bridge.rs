//! The callback future awaited: the task is polled once to start and once
//! after the wake, in the pass after the one that set the result.

use ch13_futures::bridge;
use course::Timeline;

#[test]
fn the_task_resumes_in_the_pass_after_the_set() -> anyhow::Result<()> {
    let seen = bridge::show(&Timeline::quiet())?;
    assert_eq!(seen.value.ok(), Some("pong"));
    assert_eq!(seen.polls, 2);
    assert_eq!(seen.resumed_in_pass, seen.set_in_pass + 1);
    Ok(())
}

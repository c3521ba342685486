//! The demo runs to the end and shows what the chapter claims, in order.

use ch13_futures::demo;
use course::Timeline;

#[test]
fn the_demo_shows_push_then_pull_in_the_claimed_order() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run(&timeline)?;

    // Part 1: the callbacks run after set_result returned, not inside it.
    let returned = timeline.position("timer", "set_result returned Ok(())");
    assert!(timeline.position("main", "Err(NotDone)") < returned);
    assert!(returned < timeline.position("timer", "Err(AlreadyDone)"));
    assert!(timeline.position("timer", "Err(AlreadyDone)") < timeline.position("cb-1", "runs"));
    assert!(timeline.position("cb-1", "runs") < timeline.position("cb-2", "runs"));
    assert!(
        timeline
            .find("timer", "done callbacks run so far: 0")
            .is_some()
    );

    // Part 2: nothing runs until polled, then both versions say the same.
    assert!(timeline.find("main", "printed by them so far: 0").is_some());
    assert!(timeline.position("async fn", "returned") < timeline.position("by hand", "starts"));
    assert!(timeline.find("same", "same steps").is_some());

    // Part 3: both wakers drive block_on through a real sleep.
    assert!(
        timeline
            .find("vtable", "2 wakes counted; both gone: Arc count 1")
            .is_some()
    );
    assert!(timeline.find("vtable", "2 polls, 1 wake").is_some());
    assert!(timeline.find("Wake", "2 polls, 1 wake").is_some());

    // Part 4: the task resumes after the timer's callback returned.
    let awaits = timeline.position("task", "awaits");
    let set = timeline.position("timer", "the task was woken, not run");
    let resumed = timeline.position("task", "resumes");
    assert!(awaits < set && set < resumed);
    assert!(timeline.find("pull", "resumed in pass").is_some());
    Ok(())
}

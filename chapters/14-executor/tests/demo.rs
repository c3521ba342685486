//! The demo runs to the end and shows what the chapter claims, in order.

use ch14_executor::demo;
use course::Timeline;

#[test]
fn the_demo_shows_each_claim_in_order() -> anyhow::Result<()> {
    let t = Timeline::quiet();
    demo::run(&t)?;
    // spawn queues; a pass of the loop runs; the values come back.
    assert!(t.position("main", "queued, not run") < t.position("task a", "returns 20"));
    assert!(t.position("task b", "returns 22") < t.position("main", "= 42"));
    // Detached, and finished anyway.
    assert!(t.position("main", "detached") < t.position("detached", "finishes"));
    // abort asks; the loop drops the future; the handle says cancelled.
    assert!(t.position("main", "guard dropped yet: false") < t.position("victim", "dropped"));
    assert!(t.position("victim", "dropped") < t.position("main", "is_cancelled: true"));
    // The panic is reported with the task's name and spawn site, comes
    // back as an error, and the other task goes on.
    let report = t.position("loop", "(doomed) spawned at");
    assert!(t.find("loop", "cancel.rs").is_some());
    assert!(report < t.position("main", "panic_message: Some(\"the disk is full\")"));
    assert!(report < t.position("survivor", "still at work"));
    // A thread's wake-up comes in through the door and the task runs on.
    assert!(t.position("thread", "calls wake()") < t.position("parked", "polled again"));
    assert!(
        t.find("loop", "1 wake-up came in through the door")
            .is_some()
    );
    assert!(t.find("main", "3 wake-ups, 1 poll").is_some());
    // The stall, then the cure.
    assert!(t.find("busy", "ticked 0 times").is_some());
    assert!(t.position("busy", "done") < t.position("ticker", "s late)"));
    assert!(t.find("yielding", "ticked 0 times").is_none());
    Ok(())
}

//! The demo runs to the end and shows what the chapter claims, in order.

use ch15_reactor::demo;
use course::Timeline;

#[test]
fn the_demo_shows_every_part_in_order() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run(&timeline)?;
    // Part 1: the same script, the same replies, on both servers.
    assert!(
        timeline.position("callbacks", "quick connected")
            < timeline.position("callbacks", "slow finished")
    );
    assert!(
        timeline.position("async", "quick connected") < timeline.position("async", "slow finished")
    );
    assert!(
        timeline
            .find("servers", "the same 5 pieces in the same order")
            .is_some()
    );
    assert!(
        timeline
            .find("compare", "0 structs, 0 add/remove")
            .is_some()
    );
    // Part 2: a pass per request, none of them a zero-timeout look.
    assert!(
        timeline
            .find(
                "passes",
                "100 requests one at a time: 100 passes; 100 parked"
            )
            .is_some()
    );
    assert!(
        timeline
            .find("passes", "in 100 of those 100 passes")
            .is_some()
    );
    // Part 3: the three async fns, innermost first.
    assert!(
        timeline
            .find("async fn", "parse_header <- read_request <- handle_client")
            .is_some()
    );
    // Part 4: the others are served after each misbehaving client's task
    // ended with its error.
    assert!(timeline.position("resetter", "closes") < timeline.position("steady", "after a reset"));
    assert!(
        timeline.position("hog", "reads nothing") < timeline.position("steady", "while hog hogs")
    );
    assert!(timeline.position("hog", "closes") < timeline.position("steady", "still here"));
    assert!(timeline.find("demo", "ConnectionReset").is_some());
    Ok(())
}

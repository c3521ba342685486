//! The demo runs to the end and shows what the chapter claims, in order.

use ch18_structured::demo;
use course::Timeline;

#[test]
fn the_demo_shows_every_part_in_order() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run(&timeline)?;
    // Part 1: the handler answered before its upload failed.
    assert!(
        timeline.position("handler", "returns \"202 Accepted\"")
            < timeline.position("upload", "fails: disk full")
    );
    assert!(
        timeline
            .find("upload", "after its spawner returned")
            .is_some()
    );
    // Part 2: the group returned with its last child.
    assert!(
        timeline.position("audit", "finished")
            < timeline.position("caller", "group returned after")
    );
    // Part 3: the drops come before the group's report of both errors.
    assert!(
        timeline.position("fetch-b", "dropped") < timeline.position("group", "returned: 2 errors")
    );
    // Part 4: every child of both levels dropped; nothing ran on.
    assert!(timeline.position("timeout", "timed out") < timeline.position("inner-2", "dropped"));
    assert!(timeline.find("watch", ": 0 lines").is_some());
    // Part 5: torn in place, whole with the guard.
    assert!(timeline.find("disk", "TORN").is_some());
    assert!(
        timeline
            .find("temp file", "removes report.csv.tmp")
            .is_some()
    );
    // Part 6: mallory's writer cancelled, ann's cancelled with the server.
    assert!(timeline.find("guest-3", "writer dropped").is_some());
    assert!(timeline.find("guest-1", "writer dropped").is_some());
    Ok(())
}

//! The demo runs to the end and shows what the chapter claims, in order.

use ch19_blocking_world::demo;
use course::Timeline;

#[test]
fn the_demo_shows_every_part_in_order() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run(&timeline)?;
    // Part 1: the culprit on the loop is reported, after it was started
    // and before the run's numbers; then the pool run, with no report.
    let on_loop = timeline.position("culprit", "right in its poll");
    let report = timeline.position("debug", "(culprit) spawned at");
    let stalled = timeline.position("stall", "on the loop:");
    let pooled = timeline.position("stall", "in the pool:");
    assert!(on_loop < report && report < stalled && stalled < pooled);
    assert_eq!(
        timeline
            .events()
            .iter()
            .filter(|e| e.who == "debug")
            .count(),
        1,
        "one report: the culprit on the loop"
    );
    // Part 2: DNS, the file, the small pool queueing, then shrinking.
    assert!(timeline.position("dns", "lookup_host") < timeline.position("file", "the same bytes"));
    assert!(
        timeline
            .find("pool", "2 thread(s) busy, 3 read(s) queued")
            .is_some()
    );
    assert!(timeline.find("pool", "0 thread(s) left").is_some());
    // Part 3: both ways, the same hash.
    assert!(
        timeline.position("hash", "on the loop's thread")
            < timeline.position("hash", "the same hash")
    );
    // Part 4: the trace's longest run is the culprit.
    assert!(timeline.find("trace", "(culprit) for").is_some());
    Ok(())
}

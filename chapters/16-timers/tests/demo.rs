//! The demo runs to the end and shows what the chapter claims, in order.

use ch16_timers::demo;
use course::Timeline;

#[test]
fn the_demo_shows_every_part_in_order() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run(&timeline)?;
    // Part 1: chapter 09's order (the demo itself checks it, and fails
    // otherwise); b's middle comes half way.
    assert!(timeline.position("b", "middle") < timeline.position("a", "exit"));
    // Part 2: dropped before the answer is handed back.
    assert!(
        timeline.position("slow", "dropped halfway")
            < timeline.position("timeout", "slow gave Err")
    );
    assert!(timeline.find("fast", "dropped").is_none());
    assert!(
        timeline.position("tortoise", "dropped halfway")
            < timeline.position("race", "won by the hare")
    );
    assert!(timeline.find("tortoise", "finished").is_none());
    // Part 3: one line per behaviour.
    for missed in ["Burst:", "Delay:", "Skip:"] {
        assert!(timeline.find("interval", missed).is_some(), "{missed}");
    }
    // Part 4: the waits until the nearest timer.
    assert!(timeline.find("passes", "until the nearest timer").is_some());
    // ...and a crowd that shares one (the demo fails if it took two).
    assert!(timeline.find("passes", "a crowd, within 250 µs").is_some());
    // Part 5: never early, both lengths.
    assert!(timeline.find("precision", "sleeps of 1 ms").is_some());
    assert!(timeline.find("precision", "sleeps of 1.5 ms").is_some());
    // Part 6: an hour in no time.
    assert!(
        timeline
            .find("paused", "the loop's clock moved 3600 s")
            .is_some()
    );
    // Part 7: quiet is closed, chatty stays and leaves.
    assert!(
        timeline.position("server", "quiet's connection ended: Idle")
            < timeline.position("server", "chatty's connection ended: Closed")
    );
    Ok(())
}

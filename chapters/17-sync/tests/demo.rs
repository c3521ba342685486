//! The demo runs to the end and shows what the chapter claims, in order.

use ch17_sync::demo;
use course::Timeline;

#[test]
fn the_demo_shows_every_part_in_order() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run(&timeline)?;
    // Part 1: the permit of the first job to finish goes to job-3, the
    // first in line.
    assert!(timeline.position("job-1", "done") < timeline.position("job-3", "handed a permit"));
    assert!(timeline.find("fetcher", "at most 3 in flight").is_some());
    // Part 2: backpressure, then the end.
    assert!(
        timeline.position("producer", "send(2) waits")
            < timeline.position("producer", "sent 2: a slot came free")
    );
    assert!(
        timeline.position("producer", "drops its sender")
            < timeline.position("consumer", "gave None")
    );
    // Part 3: the ticker ticks while B waits for the async lock; the std
    // lock stops the other loop.
    assert!(timeline.position("B", "parks") < timeline.position("ticker", "tick 2"));
    assert!(timeline.position("ticker", "tick 2") < timeline.position("B", "got the lock"));
    assert!(timeline.find("B", "WouldBlock").is_some());
    assert!(timeline.find("watchdog", "(stopped)").is_some());
    // Part 4: a flush before each `with` returns; after it, when cancelled.
    for who in ["ok", "err"] {
        assert!(timeline.position("release", "flushed") < timeline.position(who, "with returned"));
    }
    assert!(
        timeline.position("cancel", "timeout returned")
            < timeline.position("next", "the next with got conn-1 (0 dirty)")
    );
    // Part 5: the lines, and the two countdowns.
    assert!(timeline.find("lines", "\"GET /b\"").is_some());
    assert!(timeline.find("streams", "same items, [3, 2, 1]").is_some());
    Ok(())
}

//! The demo runs to the end and shows what the chapter claims, in order.

use ch20_signals::demo;
use course::Timeline;

#[test]
fn the_demo_shows_every_part_in_order() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run(&timeline)?;
    // Part 1: both early signals kept; one of two SIGHUPs; ctrl_c.
    assert!(timeline.find("usr1", "waited in the pipe").is_some());
    assert!(timeline.find("usr2", "waited in the kernel").is_some());
    assert!(timeline.find("twice", "signalfd: 1 delivery").is_some());
    assert!(timeline.find("main", "ctrl_c() returned").is_some());
    // Part 2: three refusals.
    assert_eq!(
        timeline
            .events()
            .iter()
            .filter(|e| e.who == "refused")
            .count(),
        3
    );
    // Part 3: the four steps, in order, and the check at the end.
    let steps = [
        "SIGTERM came",
        "1. stopped accepting",
        "2. told 4",
        "3. finishing",
        "4. every connection drained",
    ];
    for pair in steps.windows(2) {
        assert!(
            timeline.position("server", pair[0]) < timeline.position("server", pair[1]),
            "{pair:?}"
        );
    }
    assert!(
        timeline.position("operator", "raise(SIGTERM)")
            < timeline.position("server", "SIGTERM came")
    );
    assert!(
        timeline
            .find("check", "nothing acknowledged was lost")
            .is_some()
    );
    Ok(())
}

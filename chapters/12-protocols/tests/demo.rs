//! The demo runs to the end and shows what the chapter claims.

use ch12_protocols::demo;
use course::Timeline;

#[test]
fn the_demo_chats_refuses_bad_input_and_cuts_off_the_silent_client() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    let outcome = demo::run_measured(&timeline)?;
    assert_eq!(
        outcome.flood_received, outcome.flood_sent,
        "bob got every line"
    );
    assert_eq!(outcome.stats.refused_lines, 2);
    assert_eq!(outcome.stats.dropped_slow, 1);
    assert_eq!(outcome.fds.0, outcome.fds.1, "fds leaked");
    assert!(timeline.position("alice", "2000-byte") < timeline.position("alice", "line too long"));
    assert!(
        timeline.position("server", "carol is not reading")
            < timeline.position("bob", "carol was disconnected")
    );
    assert!(timeline.position("dave", "vanishes") < timeline.position("bob", "dave left"));
    Ok(())
}

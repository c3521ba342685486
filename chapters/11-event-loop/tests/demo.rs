//! The demo runs to the end and shows what the chapter claims, in order.

use ch11_event_loop::demo;
use course::Timeline;

#[test]
fn the_demo_shows_every_rule_and_both_clients() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run(&timeline)?;
    assert!(timeline.position("pass 1", "ran 2") < timeline.position("c", "runs"));
    assert!(timeline.position("client-2", "echoed") < timeline.position("client-1", "leaves"));
    assert!(
        timeline
            .find("echo", "echoed before client-1 left")
            .is_some()
    );
    assert!(timeline.position("sync", "for user 42") < timeline.position("loop", "panicked"));
    assert!(timeline.find("callbacks", "would wait forever").is_some());
    Ok(())
}

//! The demo's comparison holds: polling with interval 0 answers sooner and
//! burns more CPU than polling every 30 ms.

use std::time::Duration;

use ch03_nonblocking::demo;
use course::Timeline;

#[test]
fn interval_0_is_faster_and_costlier_than_30_ms() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    let results = demo::compare(&timeline, &[Duration::ZERO, Duration::from_millis(30)])?;
    let [spin, nap] = &results[..] else {
        panic!("two measurements")
    };
    assert_eq!(spin.round_trips.len(), demo::ROUND_TRIPS);
    // The demo prints both medians as measured; a test only claims what a
    // loaded machine cannot turn over. A line that reaches the napping
    // server just as it lies down waits out most of 30 ms (the pauses
    // spread the arrivals over the nap), while the spinning server would
    // have to be kept off the CPU for as long to answer as late.
    assert!(spin.median() < nap.slowest(), "{spin:?} vs {nap:?}");
    assert!(spin.report.cpu.total() > nap.report.cpu.total());
    // Sleeping 30 ms per idle round bounds the rounds: a generous bound.
    assert!(nap.report.counts.rounds < spin.report.counts.rounds);
    assert!(timeline.whats().last().unwrap().contains("per round trip"));
    Ok(())
}

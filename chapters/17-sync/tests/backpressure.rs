//! The bounded channel on a paused clock: a full channel makes the
//! producer wait, each waiting send goes through the moment the consumer
//! takes an item, and the end comes when the producer is gone.

use std::io;
use std::time::Duration;

use ch17_sync::Diary;
use ch17_sync::backpressure::{self, CAPACITY, ITEMS, PACE};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

fn paused() -> io::Result<(EventLoop, Diary)> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    Ok((lp, diary))
}

#[test]
fn a_full_channel_paces_the_producer() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let flow = lp.block_on(backpressure::produce_consume(&diary, ITEMS, CAPACITY, PACE))?;
    assert_eq!(flow.received, [0, 1, 2, 3, 4, 5], "nothing lost, in order");
    // Two fit; every later send waited, and went through when the consumer
    // took an item (at 0, 100, 200 and 300 ms).
    assert_eq!(flow.waited, [(2, 0), (3, 100), (4, 200), (5, 300)]);
    assert_eq!(flow.waited.len(), ITEMS as usize - CAPACITY);
    assert_eq!(flow.producer_done, 300, "paced, not done at once");
    // The consumer drains the two still queued, then sees the end.
    assert_eq!(flow.end_seen, 600);
    Ok(())
}

#[test]
fn with_room_for_everything_no_send_waits() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let flow = lp.block_on(backpressure::produce_consume(
        &diary,
        ITEMS,
        ITEMS as usize,
        PACE,
    ))?;
    assert!(flow.waited.is_empty());
    assert_eq!(flow.producer_done, 0, "the producer never waited");
    assert_eq!(flow.end_seen, u128::from(ITEMS) * PACE.as_millis());
    Ok(())
}

#[test]
fn a_faster_consumer_makes_the_producer_faster() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let flow = lp.block_on(backpressure::produce_consume(
        &diary,
        ITEMS,
        CAPACITY,
        Duration::from_millis(10),
    ))?;
    assert_eq!(flow.producer_done, 30, "the same waits, a tenth as long");
    Ok(())
}

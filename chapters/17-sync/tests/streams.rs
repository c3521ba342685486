//! Streams on a paused clock: the hand-written async generator yields the
//! same items at the same times as the async block in a task; it is lazy
//! where the task is eager; a dropped `next()` loses nothing; and `Lines`
//! yields each line once it is whole.

use std::io;
use std::time::Duration;

use ch17_sync::Diary;
use ch17_sync::streams::{self, FROM, GAP};
use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::sync::{Stream, StreamExt};
use ghetto_loop::time::{sleep, timeout};

fn paused() -> io::Result<(EventLoop, Diary)> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    Ok((lp, diary))
}

/// Takes every item, working `work` after each, and notes when (ms) each came.
async fn consume(
    diary: &Diary,
    mut stream: impl Stream<Item = u32> + Unpin,
    work: Duration,
) -> Vec<(u128, u32)> {
    let mut seen = Vec::new();
    while let Some(item) = stream.next().await {
        seen.push((diary.now().as_millis(), item));
        sleep(work).await;
    }
    seen
}

#[test]
fn the_generator_yields_what_the_async_block_yields() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let by_hand = lp.block_on(streams::collect_timed(
        &diary,
        "generator",
        streams::countdown(FROM, GAP),
    ))?;
    let (lp, diary) = paused()?;
    let by_task = lp.block_on(async {
        streams::collect_timed(&diary, "task", streams::countdown_task(FROM, GAP)).await
    })?;
    assert_eq!(by_hand, [(0, 3), (100, 2), (200, 1)]);
    assert_eq!(by_task, by_hand);
    Ok(())
}

/// With a consumer that works 150 ms per item, the two differ: the
/// generator sleeps only once asked for the next item; the task sleeps
/// while the consumer works, one item ahead (the channel's one slot).
#[test]
fn the_generator_is_lazy_and_the_task_runs_ahead() -> io::Result<()> {
    let work = Duration::from_millis(150);
    let (lp, diary) = paused()?;
    let by_hand = lp.block_on(consume(&diary, streams::countdown(FROM, GAP), work))?;
    let (lp, diary) = paused()?;
    let by_task =
        lp.block_on(async { consume(&diary, streams::countdown_task(FROM, GAP), work).await })?;
    assert_eq!(by_hand, [(0, 3), (250, 2), (500, 1)], "work, then the gap");
    assert_eq!(
        by_task,
        [(0, 3), (150, 2), (300, 1)],
        "the gap hid in the work"
    );
    Ok(())
}

#[test]
fn the_generator_does_nothing_until_polled() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let seen = lp.block_on(async {
        let countdown = streams::countdown(2, GAP);
        sleep(Duration::from_secs(1)).await; // made, not polled
        consume(&diary, countdown, Duration::ZERO).await
    })?;
    assert_eq!(seen, [(1000, 2), (1100, 1)]);
    Ok(())
}

/// Dropping `next()` halfway through the sleep loses no item and does not
/// restart the sleep: the sleep lives in the generator's state.
#[test]
fn a_dropped_next_loses_nothing() -> io::Result<()> {
    let (lp, _) = paused()?;
    lp.block_on(async {
        let lp = LoopHandle::current();
        let start = lp.time();
        let mut countdown = streams::countdown(FROM, GAP);
        assert_eq!(countdown.next().await, Some(3));
        let early = timeout(Duration::from_millis(40), countdown.next()).await;
        assert!(early.is_err(), "the item is not due yet");
        assert_eq!(countdown.next().await, Some(2));
        assert_eq!(lp.time() - start, GAP, "the same sleep, not a new one");
        assert_eq!(countdown.next().await, Some(1));
        assert_eq!(countdown.next().await, None);
        assert_eq!(countdown.next().await, None, "and stays over");
    })
}

#[test]
fn lines_are_yielded_once_whole() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let lines = lp.block_on(streams::lines_over_tcp(&diary, GAP))??;
    assert_eq!(lines, ["GET /a", "GET /b", "GET /c"]);
    let at = |what: &str| {
        diary
            .steps()
            .into_iter()
            .find(|(_, who, x)| who == "lines" && x.contains(what))
            .map(|(ms, _, _)| ms)
            .unwrap()
    };
    assert_eq!(at("GET /a"), 0);
    // Half of it came at 0; the line is whole only with the rest.
    assert_eq!(at("GET /b"), GAP.as_millis());
    assert_eq!(at("GET /c"), GAP.as_millis(), "the last, at end of file");
    Ok(())
}

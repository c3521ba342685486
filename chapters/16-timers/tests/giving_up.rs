//! `timeout` and `race` on a paused clock: the answer, the exact time it
//! came, and proof that what they gave up on was dropped, never finished,
//! and never woke anything afterwards.

use std::io;
use std::time::Duration;

use ch16_timers::diary::Diary;
use ch16_timers::giving_up::{self, FAST, PATIENCE};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::time::sleep;

fn paused() -> io::Result<(EventLoop, Diary)> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    Ok((lp, diary))
}

fn owned(steps: &[(u128, &str, &str)]) -> Vec<(u128, String, String)> {
    steps
        .iter()
        .map(|(at, who, what)| (*at, who.to_string(), what.to_string()))
        .collect()
}

#[test]
fn timeout_gives_up_at_the_deadline_and_drops_the_slow_future() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let (slow, fast) = lp.block_on(giving_up::timeouts(&diary))?;
    assert_eq!(slow.unwrap_err().to_string(), "timed out after 300ms");
    assert_eq!(fast, Ok("fast's answer"));
    let p = PATIENCE.as_millis();
    let f = p + FAST.as_millis();
    assert_eq!(
        diary.steps(),
        owned(&[
            (0, "slow", "starts; needs 2000 ms"),
            // Dropped by `timeout` before it hands back `Elapsed`.
            (
                p,
                "slow",
                "dropped halfway, at its .await: its destructor runs"
            ),
            (p, "timeout", "slow gave Err(timed out after 300ms)"),
            (p, "fast", "starts; needs 50 ms"),
            (f, "fast", "finished"),
            (f, "timeout", "fast gave Ok(\"fast's answer\")"),
        ])
    );
    Ok(())
}

#[test]
fn race_drops_the_loser_the_moment_the_winner_is_ready() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let winner = lp.block_on(giving_up::hare_and_tortoise(&diary))?;
    assert_eq!(winner, "hare");
    assert_eq!(
        diary.steps(),
        owned(&[
            (0, "tortoise", "starts; needs 400 ms"),
            (0, "hare", "starts; needs 100 ms"),
            (100, "hare", "finished"),
            (
                100,
                "tortoise",
                "dropped halfway, at its .await: its destructor runs"
            ),
            (100, "race", "won by the hare"),
        ])
    );
    Ok(())
}

/// The sleeps that were given up on stay in the heap, marked cancelled,
/// and never wake anybody: well past their deadlines, nothing more is
/// logged, and the heap has shed them.
#[test]
fn what_was_given_up_never_wakes_and_leaves_the_heap() -> io::Result<()> {
    let (lp, diary) = paused()?;
    lp.block_on(async {
        let _ = giving_up::timeouts(&diary).await;
        giving_up::hare_and_tortoise(&diary).await;
    })?;
    let stats = lp.stats();
    assert!(stats.timers > 0, "the cancelled entries wait in the heap");
    assert_eq!(stats.timers, stats.cancelled_timers, "and only they do");
    let lines = diary.lines().len();
    let ran = lp.stats().ran;
    lp.block_on(sleep(Duration::from_secs(5)))?;
    assert_eq!(diary.lines().len(), lines, "no dropped future woke up");
    assert!(
        lp.stats().ran - ran <= 3,
        "only the new sleep's own passes ran"
    );
    assert_eq!(lp.stats().timers, 0, "shed on the way");
    Ok(())
}

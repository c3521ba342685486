//! The chapter's demo, in six parts (chapter 18):
//!
//! 1. a leaked background task, on the real clock;
//! 2. the same work in a task group, on the real clock;
//! 3. the first failure cancels the siblings; every error is reported;
//! 4. nested groups: an error travels up, a `timeout` travels down;
//! 5. cancellation is drop: a report torn halfway, and one that is not;
//! 6. the chat server, a group of two children per client.
//!
//! Parts 3 to 6 run on a paused clock: their times are the loop's, exact,
//! and the seconds they span take no real time. Each part runs on a loop
//! of its own, so that one part's leftovers or paused clock do not reach
//! the next.

pub mod chat_clients;

use anyhow::{Context, bail};
use ch16_timers::diary::Diary;
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

use crate::noisy::drops;
use crate::{leak, nested, siblings, torn};

/// Runs the six parts, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    leak_part(timeline)?;
    owned_part(timeline)?;
    siblings_part(timeline)?;
    nested_part(timeline)?;
    torn_part(timeline)?;
    chat_part(timeline)
}

/// Part 1: the handler spawns, returns, and the task runs on, unowned.
fn leak_part(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log("part 1", "a leaked background task (real clock)");
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    lp.block_on(leak::leak(&diary))?;
    if diary
        .lines()
        .iter()
        .all(|l| l.who != "upload" || !l.what.starts_with("ran "))
    {
        bail!("the leaked upload did not outlive its handler");
    }
    Ok(())
}

/// Part 2: the same handler in a group.
fn owned_part(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log("part 2", "the same work in a task group (real clock)");
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    let result = lp.block_on(leak::owned(&diary))?;
    if diary.now() < leak::UPLOAD {
        bail!("the group returned before its last child: {result:?}");
    }
    Ok(())
}

/// Part 3: four children, two failures at the same instant.
fn siblings_part(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log(
        "part 3",
        "the first failure cancels the siblings (paused clock)",
    );
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(timeline, &lp.handle());
    let result = lp.block_on(siblings::first_failure(&diary))?;
    let errors = result.err().map_or(0, |e| e.errors().len());
    if errors != 2 || drops(&diary) != 2 {
        bail!("expected two errors and two siblings dropped");
    }
    Ok(())
}

/// Part 4: nested groups, both directions.
fn nested_part(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log("part 4", "nested groups: an error goes up (paused clock)");
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(timeline, &lp.handle());
    if lp.block_on(nested::error_travels_up(&diary))?.is_ok() {
        bail!("the inner failure did not reach the outer group");
    }

    timeline.log(
        "part 4",
        "nested groups: a timeout around the outer one goes down (paused clock)",
    );
    let diary = Diary::new(timeline, &lp.handle());
    if lp.block_on(nested::cancelled_and_watched(&diary))?.is_ok() {
        bail!("the timeout did not fire");
    }
    if drops(&diary) != 4 {
        bail!("expected every child at both levels to be dropped");
    }
    Ok(())
}

/// Part 5: two writers cut short by a timeout.
fn torn_part(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log(
        "part 5",
        "cancellation is drop: a writer stopped at its .await (paused clock)",
    );
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(timeline, &lp.handle());
    let after = lp.block_on(torn::cut_short(&diary))?;
    let atomic_kept_yesterday = after.atomic == Some(torn::report_lines("yesterday", torn::ROWS));
    if after.in_place.is_none() || !atomic_kept_yesterday || after.temp_left {
        bail!("the writers did not leave what part 5 says: {after:?}");
    }
    Ok(())
}

/// Part 6: the chat server and three clients.
fn chat_part(timeline: &Timeline) -> anyhow::Result<()> {
    timeline.log(
        "part 6",
        "a chat server: one group per client, reader and writer (paused clock)",
    );
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(timeline, &lp.handle());
    lp.block_on(chat_clients::run(&diary))?
        .context("the chat clients")?;
    Ok(())
}

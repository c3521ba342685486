//! The chapter's demo, in seven parts (chapter 16):
//!
//! 1. chapter 09's a/b timeline, with `async`/`await` and `sleep`;
//! 2. `timeout` and `race`, and the futures they drop;
//! 3. an interval beside a consumer that stalls, under each missed-tick
//!    behaviour;
//! 4. the nearest deadline as the selector's timeout, in the loop's record
//!    of its passes;
//! 5. how late a real 1 ms and 1.5 ms sleep wakes;
//! 6. an hour of timeouts on a paused clock;
//! 7. the idle-timeout echo server and two clients, on a paused clock.
//!
//! Each part runs on a loop of its own, so that one part's observer or
//! paused clock does not leak into the next.

pub mod idle_clients;

use std::time::{Duration, Instant};

use anyhow::bail;
use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, Pass, WaitReason};
use ghetto_loop::time::{MissedTick, timeout};

use crate::diary::Diary;
use crate::{ab, giving_up, passes, precision, ticks};

/// Chapter 09's timeline, which part 1 must reproduce.
pub const CHAPTER_09: [(&str, &str); 5] = [
    ("a", "enter"),
    ("b", "enter"),
    ("b", "middle"),
    ("a", "exit"),
    ("b", "exit"),
];

/// How many sleeps part 5 measures of each length.
pub const PRECISION_SAMPLES: usize = 200;

/// How many one-second timeouts part 6 runs.
pub const TIMEOUTS: u32 = 3_600;

/// How long the server of part 7 lets a client be silent.
pub const IDLE: Duration = Duration::from_secs(10);

/// Runs the seven parts, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    ab_part(timeline)?;
    giving_up_part(timeline)?;
    ticks_part(timeline)?;
    passes_part(timeline)?;
    precision_part(timeline)?;
    paused_part(timeline)?;
    idle_part(timeline)
}

/// Part 1: `join(a(), b())` on the real clock.
fn ab_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    timeline.log(
        "run",
        "join(a(), b()): chapter 09's tasks as async fns; every wait is sleep(d).await",
    );
    let diary = Diary::new(timeline, &lp.handle());
    lp.block_on(ab::joined(&diary))?;
    let seen: Vec<(String, String)> = diary.lines().into_iter().map(|l| (l.who, l.what)).collect();
    let want: Vec<(String, String)> = CHAPTER_09
        .iter()
        .map(|(w, e)| (w.to_string(), e.to_string()))
        .collect();
    if seen != want {
        bail!("the timeline is not chapter 09's: {seen:?}");
    }
    timeline.log(
        "run",
        format!(
            "both done in {:.3} s, in chapter 09's order: the sleeps overlapped in the loop's timer heap",
            diary.now().as_secs_f64()
        ),
    );
    Ok(())
}

/// Part 2: `timeout` around a slow and a fast operation; `race`.
fn giving_up_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let diary = Diary::new(timeline, &lp.handle());
    let ((slow, fast), winner) = lp.block_on(async {
        let both = giving_up::timeouts(&diary).await;
        (both, giving_up::hare_and_tortoise(&diary).await)
    })?;
    if slow.is_ok() || fast.is_err() || winner != "hare" {
        bail!("timeout or race did not behave: {slow:?} {fast:?} {winner}");
    }
    Ok(())
}

/// Part 3: the interval and the stalled consumer, for real.
fn ticks_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let s = ticks::DEMO;
    timeline.log(
        "interval",
        format!(
            "interval({} ms); after tick 2 the consumer blocks the loop for {} ms (thread::sleep, on purpose); due→came in ms:",
            s.period.as_millis(),
            s.stall.as_millis()
        ),
    );
    for missed in [MissedTick::Burst, MissedTick::Delay, MissedTick::Skip] {
        let seen = lp.block_on(ticks::consume(s, missed, std::thread::sleep))?;
        timeline.log(
            "interval",
            format!("{missed:?}: {}", ticks::render(s, &seen)),
        );
        timeline.log("interval", format!("  {}", ticks::in_words(missed)));
    }
    Ok(())
}

/// Part 4: two sleeps, and the timeout of every pass.
fn passes_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let [first, second] = passes::SLEEPS.map(|d| d.as_millis());
    timeline.log(
        "passes",
        format!(
            "join_all([sleep({first} ms), sleep({second} ms)]): the loop's record of each pass"
        ),
    );
    let record = passes::record(&lp, &passes::SLEEPS, log_each_pass(timeline))?;
    let waits = record
        .iter()
        .filter(|p| p.reason == WaitReason::NearestTimer)
        .count();
    if waits != 2 {
        bail!("expected two waits for the nearest timer: {record:#?}");
    }
    crowd_part(timeline)
}

/// Logs each pass on `timeline`, in words.
fn log_each_pass(timeline: &Timeline) -> impl FnMut(&Pass) + 'static {
    let log = timeline.clone();
    move |pass| log.log("passes", passes::describe(pass))
}

/// Part 4, continued: a crowd of three sleeps shares one wake-up.
fn crowd_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    timeline.log(
        "passes",
        "join_all of 3 sleeps due in 0.2, 0.3 and 0.4 ms: a crowd, within 250 µs of each other",
    );
    let record = passes::record_crowd(&lp, &passes::CROWD, log_each_pass(timeline))?;
    // A sleep already due when first polled is ready at once, without a
    // timer: a thread held up for 0.2 ms leaves fewer in the crowd, and
    // one left alone is waited for as a lone timer.
    let firing: Vec<&Pass> = record.iter().filter(|p| p.timers_due > 0).collect();
    match firing[..] {
        [shared] if shared.reason == WaitReason::TimerCrowd => timeline.log(
            "passes",
            format!(
                "pass {} waited until the last of the crowd and fired all {} of its timers, none before its deadline",
                shared.number, shared.timers_due
            ),
        ),
        [alone] if alone.timers_due == 1 => timeline.log(
            "passes",
            "this thread was held up: all but one sleep were ready when first polled, and the last was waited for alone",
        ),
        [] => timeline.log(
            "passes",
            "this thread was held up past every deadline: each sleep was ready when first polled",
        ),
        _ => bail!("expected the crowd to fire in one pass: {record:#?}"),
    }
    Ok(())
}

/// Part 5: real sleeps of 1 ms and 1.5 ms, measured.
fn precision_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let asked = [Duration::from_millis(1), Duration::from_micros(1_500)];
    for asked in asked {
        let l = lp.block_on(precision::measure(asked, PRECISION_SAMPLES))?;
        if l.early > 0 {
            bail!("{} of the {asked:?} sleeps woke early", l.early);
        }
        timeline.log(
            "precision",
            format!(
                "{PRECISION_SAMPLES} sleeps of {} ms on {}: late by {}; none early",
                asked.as_secs_f64() * 1e3,
                lp.selector_name(),
                precision::summary(&l)
            ),
        );
    }
    timeline.log(
        "precision",
        "for comparison, the course's own measurements on these machines (not this run): tokio's sleep(1 ms) is late by 1.05-1.10 ms at p50, as its wheel rounds up to the next 1 ms slot",
    );
    Ok(())
}

/// Part 6: an hour of one-second timeouts on a paused clock.
fn paused_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let (real, start) = (Instant::now(), lp.time());
    let timed_out = lp.block_on(async {
        let mut timed_out = 0;
        for _ in 0..TIMEOUTS {
            let never = std::future::pending::<()>();
            if timeout(Duration::from_secs(1), never).await.is_err() {
                timed_out += 1;
            }
        }
        timed_out
    })?;
    let on_the_loop = lp.time() - start;
    timeline.log(
        "paused",
        format!(
            "{timed_out} timeouts of 1 s on a paused clock: the loop's clock moved {} s, the wall clock {:.1} ms",
            on_the_loop.as_secs(),
            real.elapsed().as_secs_f64() * 1e3
        ),
    );
    Ok(())
}

/// Part 7: the idle-timeout echo server, on a paused clock.
fn idle_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(timeline, &lp.handle());
    lp.block_on(idle_clients::run(&diary, IDLE))??;
    Ok(())
}

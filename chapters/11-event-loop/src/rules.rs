//! The loop's rules, each visible in the timeline of one run (chapter 11).
//!
//! A handful of callbacks and timers, scheduled before the loop starts, and
//! the loop's own record of every pass ([`on_pass`]) printed after the
//! callbacks it ran. Read the timeline for:
//!
//! * `c`, scheduled *by* `a` while pass 1 runs, waits for pass 2: the loop
//!   looks at its fds again (a zero-timeout wait) before running it.
//! * Once nothing is ready, the wait's timeout is the time left until the
//!   nearest timer; the cancelled timer, nearer still, does not count.
//! * Two timers with the same deadline run in the order they were scheduled.
//! * `stop()` inside a callback lets the rest of its pass run.
//!
//! [`on_pass`]: ghetto_loop::event_loop::LoopHandle::on_pass

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, Pass, WaitReason};

/// When the first pair of timers is due.
pub const NEAR: Duration = Duration::from_millis(100);
/// When the last timer, which stops the loop, is due.
pub const FAR: Duration = Duration::from_millis(300);
/// The timer that is cancelled before it is due.
pub const CANCELLED: Duration = Duration::from_millis(50);

/// Runs the rules on a new loop, logging on `timeline`; returns the loop's
/// record of its passes.
pub fn show(timeline: &Timeline) -> anyhow::Result<Vec<Pass>> {
    let lp = EventLoop::new()?;
    timeline.log(
        "loop",
        format!("a new event loop on {}", lp.selector_name()),
    );
    let passes = Rc::new(RefCell::new(Vec::new()));
    {
        let (timeline, passes) = (timeline.clone(), passes.clone());
        lp.on_pass(move |pass| {
            timeline.log(format!("pass {}", pass.number), describe(pass));
            passes.borrow_mut().push(*pass);
        });
    }

    let say = |who: &'static str, what: &'static str| {
        let timeline = timeline.clone();
        move || timeline.log(who, what)
    };
    let schedules_c = {
        let (lp, timeline, c) = (lp.handle(), timeline.clone(), say("c", "runs (in pass 2)"));
        move || {
            timeline.log("a", "runs; schedules c with call_soon");
            lp.call_soon(c);
        }
    };
    lp.call_soon(schedules_c);
    lp.call_soon(say("b", "runs (queued after a)"));
    let stopper = {
        let (lp, timeline) = (lp.handle(), timeline.clone());
        move || {
            timeline.log(
                "timer-far",
                "runs; calls stop(): the loop ends after this pass",
            );
            lp.stop();
        }
    };
    lp.call_later(FAR, stopper);
    let near = lp.call_later(NEAR, say("timer-1", "runs (due at 0.100 s)"));
    lp.call_at(
        near.when(),
        say("timer-2", "runs (same deadline, scheduled second)"),
    );
    let cancelled = lp.call_later(CANCELLED, say("cancelled", "never runs"));
    cancelled.cancel();
    timeline.log(
        "main",
        "scheduled a and b (call_soon), timers at 0.300 s, 0.100 s, 0.100 s and 0.050 s; cancelled the 0.050 s one",
    );
    lp.run_forever()?;
    let passes = passes.borrow().clone();
    Ok(passes)
}

/// One line for a pass: what the wait was, and what ran.
pub fn describe(pass: &Pass) -> String {
    let timeout = match pass.timeout {
        None => "no timeout".to_owned(),
        Some(t) => format!("timeout {:.3} s", t.as_secs_f64()),
    };
    let why = match pass.reason {
        WaitReason::Ready => "callbacks were queued, so only look",
        WaitReason::Stopping => "stopping, so only look",
        WaitReason::NearestTimer => "the nearest timer",
        WaitReason::TimerCrowd => "the last of a crowd of timers due together (chapter 16)",
        WaitReason::Nothing => "nothing to do but wait",
        WaitReason::ClockJump => "the paused clock jumps to the nearest timer (chapter 16)",
    };
    let mut line = format!(
        "waited {:.3} s ({timeout}: {why}); ran {}",
        pass.waited.as_secs_f64(),
        pass.ran
    );
    if pass.timers_due > 0 {
        let s = if pass.timers_due == 1 { "" } else { "s" };
        line += &format!(" ({} timer{s} due)", pass.timers_due);
    }
    if pass.left_for_next > 0 {
        line += &format!("; {} scheduled for the next pass", pass.left_for_next);
    }
    line
}

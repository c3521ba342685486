//! The loop's rules, as chapter 11's demo shows them: checked on the loop's
//! own record of its passes and on the timeline's order.

use ch11_event_loop::rules;
use course::Timeline;
use ghetto_loop::event_loop::WaitReason;
use std::time::Duration;

#[test]
fn a_callback_scheduled_during_a_pass_runs_after_the_next_wait() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    let passes = rules::show(&timeline)?;
    assert_eq!(
        (passes[0].ran, passes[0].left_for_next),
        (2, 1),
        "a and b; c waits"
    );
    assert_eq!(
        passes[1].reason,
        WaitReason::Ready,
        "pass 2 looked at the fds first"
    );
    assert_eq!(passes[1].ran, 1);
    assert!(timeline.position("pass 1", "ran 2") < timeline.position("c", "runs"));
    assert!(timeline.position("b", "runs") < timeline.position("c", "runs"));
    Ok(())
}

#[test]
fn the_nearest_live_timer_sets_the_wait_and_ties_are_fifo() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    let passes = rules::show(&timeline)?;
    let third = passes[2];
    assert_eq!(third.reason, WaitReason::NearestTimer);
    assert!(third.timeout.is_some_and(|t| t <= rules::NEAR), "{third:?}");
    // Had the cancelled 0.050 s timer set the wait, this pass would have
    // woken with nothing due.
    assert_eq!((third.timers_due, third.ran), (2, 2), "{third:?}");
    assert!(
        timeline.find("cancelled", "").is_none(),
        "the cancelled timer ran"
    );
    assert!(timeline.position("timer-1", "runs") < timeline.position("timer-2", "runs"));
    let at = |who: &str| timeline.find(who, "runs").map(|e| e.at);
    let (near, far) = (at("timer-1").unwrap(), at("timer-far").unwrap());
    assert!(
        near >= rules::NEAR && far >= rules::FAR,
        "timers never run early"
    );
    assert!(far < Duration::from_secs(30));
    Ok(())
}

#[test]
fn stop_lets_the_pass_finish_and_ends_the_run() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    let passes = rules::show(&timeline)?;
    assert_eq!(passes.len(), 4, "{passes:?}");
    let last = timeline.events().last().cloned().unwrap();
    assert_eq!(
        last.who, "pass 4",
        "nothing ran after the stopping pass: {last:?}"
    );
    Ok(())
}

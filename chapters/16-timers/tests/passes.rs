//! The nearest deadline sets the selector's timeout, on the real clock
//! (bounds on one side only: a wait is never shorter than its timeout),
//! and on a paused clock the loop jumps instead of waiting.

use std::io;
use std::time::Duration;

use ch16_timers::passes::{self, SLEEPS};
use ghetto_loop::event_loop::{EventLoop, WaitReason};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn two_sleeps_two_waits_each_until_the_nearest_deadline() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let record = passes::record(&lp, &SLEEPS, |_| {})?;
    let waits: Vec<_> = record
        .iter()
        .filter(|p| p.reason == WaitReason::NearestTimer)
        .collect();
    assert_eq!(waits.len(), 2, "{record:#?}");
    // First the 100 ms sleep (started second, due first), then what is
    // left of the 250 ms one.
    let first = waits[0].timeout.expect("a timer wait has a timeout");
    let second = waits[1].timeout.expect("a timer wait has a timeout");
    assert!(first <= ms(100) && first > Duration::ZERO, "{first:?}");
    assert!(second <= ms(150) && second > Duration::ZERO, "{second:?}");
    for pass in &waits {
        assert!(pass.waited >= pass.timeout.unwrap(), "woke early: {pass:?}");
        assert_eq!(pass.timers_due, 1, "{pass:?}");
    }
    Ok(())
}

#[test]
fn on_a_paused_clock_the_loop_jumps_instead_of_waiting() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let start = lp.time();
    let record = passes::record(&lp, &SLEEPS, |_| {})?;
    let jumps: Vec<_> = record
        .iter()
        .filter(|p| p.reason == WaitReason::ClockJump)
        .collect();
    assert_eq!(jumps.len(), 2, "{record:#?}");
    for pass in &jumps {
        assert_eq!(
            pass.timeout,
            Some(Duration::ZERO),
            "it only looks: {pass:?}"
        );
        assert_eq!(pass.timers_due, 1, "{pass:?}");
    }
    assert!(record.iter().all(|p| p.reason != WaitReason::NearestTimer));
    assert_eq!(lp.time() - start, ms(250), "the clock moved by the jumps");
    Ok(())
}

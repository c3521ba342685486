//! The nearest deadline sets the selector's timeout, read off the loop's
//! record of its passes (chapter 16).
//!
//! A pass of the loop chooses how long its selector may wait (chapter 11's
//! step 1). With nothing queued and timers pending, that is the time left
//! until the nearest deadline: the top of the timer heap. Two sleeps of
//! different lengths make the loop wait twice: until the nearer one, then
//! until the other. The record ([`Pass`], from `LoopHandle::on_pass`) shows
//! the timeout it chose, why ([`WaitReason::NearestTimer`]), and how long
//! the selector really waited, which is never less.
//!
//! On a paused clock the same program makes the loop look at its fds
//! without waiting, then *jump* its clock to the nearest deadline
//! ([`WaitReason::ClockJump`]).

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::{EventLoop, Pass, WaitReason};
use ghetto_loop::time::{join_all, sleep, sleep_until};

/// The demo's two sleeps, in the order they are started.
pub const SLEEPS: [Duration; 2] = [Duration::from_millis(250), Duration::from_millis(100)];

/// Runs `sleeps` at once on `lp` and returns the record of every pass it
/// took; `each` sees each pass as it ends. `lp` should be a fresh loop:
/// the observer stays installed.
pub fn record(
    lp: &EventLoop,
    sleeps: &[Duration],
    each: impl FnMut(&Pass) + 'static,
) -> io::Result<Vec<Pass>> {
    recording(lp, each, join_all(sleeps.iter().map(|d| sleep(*d))))
}

/// The crowd's sleeps: due in 200, 300 and 400 µs, so the nearest is
/// within 250 µs of now when the loop first waits, and the last within
/// 250 µs of the nearest: they share one wake-up.
pub const CROWD: [Duration; 3] = [
    Duration::from_micros(200),
    Duration::from_micros(300),
    Duration::from_micros(400),
];

/// Runs sleeps until `offsets` after now at once on `lp`, as [`record`]
/// does. A crowd due within 250 µs of its nearest member, itself that
/// close, takes one wait, until its last, and fires in one pass.
pub fn record_crowd(
    lp: &EventLoop,
    offsets: &[Duration],
    each: impl FnMut(&Pass) + 'static,
) -> io::Result<Vec<Pass>> {
    let start = lp.time();
    let sleeps = offsets.iter().map(|d| sleep_until(start + *d));
    recording(lp, each, join_all(sleeps))
}

/// Runs `work` on `lp` while recording every pass.
fn recording(
    lp: &EventLoop,
    mut each: impl FnMut(&Pass) + 'static,
    work: impl Future,
) -> io::Result<Vec<Pass>> {
    let passes = Rc::new(RefCell::new(Vec::new()));
    let sink = passes.clone();
    lp.on_pass(move |pass| {
        each(pass);
        sink.borrow_mut().push(*pass);
    });
    lp.block_on(work)?;
    Ok(passes.take())
}

/// One pass, in words.
pub fn describe(pass: &Pass) -> String {
    let timeout = match pass.timeout {
        Some(t) => format!("{:.3} ms", t.as_secs_f64() * 1e3),
        None => "none".to_owned(),
    };
    let why = match pass.reason {
        WaitReason::Ready => "work was queued: only look",
        WaitReason::Stopping => "the loop is stopping: only look",
        WaitReason::NearestTimer => "until the nearest timer",
        WaitReason::TimerCrowd => "until the last of a crowd of timers",
        WaitReason::Nothing => "no timer: wait for an fd",
        WaitReason::ClockJump => "paused clock: look, then jump to the nearest timer",
    };
    format!(
        "pass {}: timeout {timeout} ({why}); waited {:.3} ms; {} timer(s) due, {} ran",
        pass.number,
        pass.waited.as_secs_f64() * 1e3,
        pass.timers_due,
        pass.ran,
    )
}

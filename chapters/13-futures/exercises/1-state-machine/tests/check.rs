//! The specification of exercise 13-1: `Total` is the same future as
//! `total`, step for step and poll for poll.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ch13_futures::{Voice, WakerKind, block_on};
use course::Timeline;
use ex13_1_state_machine::{Total, total};

#[test]
fn same_steps_same_sum_same_polls() {
    for count in 0..=4 {
        let (a_log, b_log) = (Timeline::quiet(), Timeline::quiet());
        let a = block_on(WakerKind::Wake, total(Voice::new(&a_log, "x"), count));
        let b = block_on(WakerKind::Wake, Total::new(Voice::new(&b_log, "x"), count));
        assert_eq!(b.output, a.output, "the sum, for count {count}");
        assert_eq!(b.polls, a.polls, "the polls, for count {count}");
        assert_eq!(b.wakes, a.wakes, "the wakes, for count {count}");
        assert_eq!(b_log.whats(), a_log.whats(), "the steps, for count {count}");
    }
}

#[test]
fn three_turns_add_up_to_sixty_in_seven_polls() {
    let log = Timeline::quiet();
    let run = block_on(WakerKind::Vtable, Total::new(Voice::new(&log, "x"), 3));
    assert_eq!(run.output, 60);
    // 1 to start, then the three `Later`s say `Pending` 1, 2 and 3 times.
    assert_eq!(run.polls, 7);
    assert_eq!(
        log.whats(),
        [
            "starts",
            "got 10, sum 10",
            "got 20, sum 30",
            "got 30, sum 60",
            "done"
        ]
    );
}

#[test]
fn nothing_runs_before_the_first_poll() {
    let log = Timeline::quiet();
    let fut = Total::new(Voice::new(&log, "x"), 2);
    assert!(log.whats().is_empty(), "new() must not run the body");
    let run = block_on(WakerKind::Wake, fut);
    assert_eq!(run.output, 30);
}

#[test]
fn each_poll_runs_the_same_piece_as_the_async_fn() {
    let (a_log, b_log) = (Timeline::quiet(), Timeline::quiet());
    let mut a = pin!(total(Voice::new(&a_log, "x"), 3));
    let mut b = pin!(Total::new(Voice::new(&b_log, "x"), 3));
    let mut cx = Context::from_waker(Waker::noop());
    for poll in 1.. {
        let (pa, pb) = (a.as_mut().poll(&mut cx), b.as_mut().poll(&mut cx));
        assert_eq!(pb, pa, "poll {poll}");
        assert_eq!(b_log.whats(), a_log.whats(), "after poll {poll}");
        if pa.is_ready() {
            break;
        }
    }
}

#[test]
fn zero_turns_still_start_and_finish() {
    let log = Timeline::quiet();
    let mut fut = pin!(Total::new(Voice::new(&log, "x"), 0));
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(
        fut.as_mut().poll(&mut cx),
        Poll::Ready(0),
        "one poll, no await"
    );
    assert_eq!(log.whats(), ["starts", "done"]);
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn a_poll_after_ready_panics() {
    let mut fut = pin!(Total::new(Voice::new(&Timeline::quiet(), "x"), 1));
    let mut cx = Context::from_waker(Waker::noop());
    while fut.as_mut().poll(&mut cx).is_pending() {}
    let _ = fut.as_mut().poll(&mut cx);
}

//! The hand-written state machine and the `async fn` are the same future:
//! same steps, same output, same number of polls, whoever drives them.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ch13_futures::{Greet, Voice, WakerKind, block_on, greet};
use course::Timeline;

#[test]
fn both_versions_say_the_same_and_are_polled_as_often() {
    for kind in [WakerKind::Vtable, WakerKind::Wake] {
        let (a_log, b_log) = (Timeline::quiet(), Timeline::quiet());
        let a = block_on(kind, greet(Voice::new(&a_log, "x"), "ferris"));
        let b = block_on(kind, Greet::new(Voice::new(&b_log, "x"), "ferris"));
        assert_eq!(a.output, "hello, ferris");
        assert_eq!(a, b, "output, polls and wakes");
        assert_eq!(
            a.polls, 4,
            "1 + the 1 and 2 pending polls of the two awaits"
        );
        assert_eq!(a_log.whats(), b_log.whats());
        assert_eq!(a_log.whats(), ["starts", "got \"hello\"", "got \"ferris\""]);
    }
}

#[test]
fn nothing_runs_before_the_first_poll_and_each_poll_runs_one_piece() {
    let (a_log, b_log) = (Timeline::quiet(), Timeline::quiet());
    let mut a = pin!(greet(Voice::new(&a_log, "x"), "w"));
    let mut b = pin!(Greet::new(Voice::new(&b_log, "x"), "w"));
    assert!(a_log.whats().is_empty() && b_log.whats().is_empty());
    let mut cx = Context::from_waker(Waker::noop());
    // Poll both in lockstep: after every poll, the same lines and the same
    // answer.
    let mut polls = 0;
    loop {
        polls += 1;
        let (pa, pb) = (a.as_mut().poll(&mut cx), b.as_mut().poll(&mut cx));
        assert_eq!(pa, pb, "poll {polls}");
        assert_eq!(a_log.whats(), b_log.whats(), "after poll {polls}");
        if pa.is_ready() {
            break;
        }
    }
    assert_eq!(polls, 4);
    assert_eq!(a_log.whats().len(), 3);
}

#[test]
#[should_panic(expected = "polled after it completed")]
fn the_hand_written_one_refuses_a_poll_after_ready() {
    let mut fut = pin!(Greet::new(Voice::new(&Timeline::quiet(), "x"), "w"));
    let mut cx = Context::from_waker(Waker::noop());
    while fut.as_mut().poll(&mut cx) == Poll::Pending {}
    let _ = fut.as_mut().poll(&mut cx);
}

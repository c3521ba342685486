//! The specification of exercise 11-1: do not edit; make it pass.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ex11_1_mini_loop::MiniLoop;

/// A shared log, and a callback that writes `what` in it.
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<&'static str>>>);

impl Log {
    fn entry(&self, what: &'static str) -> impl FnOnce(&mut MiniLoop) + 'static {
        let log = self.clone();
        move |_| log.0.borrow_mut().push(what)
    }

    fn get(&self) -> Vec<&'static str> {
        self.0.borrow().clone()
    }
}

#[test]
fn call_soon_runs_in_order() {
    let mut lp = MiniLoop::new();
    let log = Log::default();
    for what in ["a", "b", "c"] {
        lp.call_soon(log.entry(what));
    }
    lp.run_until_idle();
    assert_eq!(log.get(), ["a", "b", "c"]);
}

#[test]
fn a_callback_scheduled_during_a_pass_waits_for_the_next() {
    let mut lp = MiniLoop::new();
    let log = Log::default();
    let c = log.entry("c");
    let a_log = log.clone();
    lp.call_soon(move |lp| {
        a_log.0.borrow_mut().push("a");
        lp.call_soon(c);
    });
    lp.call_soon(log.entry("b"));
    assert_eq!(lp.run_once(), 2, "a and b, not c");
    assert_eq!(log.get(), ["a", "b"]);
    assert_eq!(lp.run_once(), 1);
    assert_eq!(log.get(), ["a", "b", "c"]);
}

#[test]
fn timers_run_by_deadline_and_in_order_among_equals() {
    let mut lp = MiniLoop::new();
    let log = Log::default();
    let t0 = Instant::now();
    let at = |ms| t0 + Duration::from_millis(ms);
    lp.call_at(at(30), log.entry("30 first"));
    lp.call_at(at(10), log.entry("10"));
    lp.call_at(at(30), log.entry("30 second"));
    lp.call_later(Duration::from_millis(20), log.entry("20"));
    lp.call_at(at(30), log.entry("30 third"));
    lp.call_soon(log.entry("soon"));
    lp.run_until_idle();
    assert_eq!(
        log.get(),
        ["soon", "10", "20", "30 first", "30 second", "30 third"]
    );
}

#[test]
fn with_nothing_ready_a_pass_sleeps_until_the_nearest_timer() {
    let mut lp = MiniLoop::new();
    let log = Log::default();
    lp.call_later(Duration::from_millis(50), log.entry("timer"));
    let started = Instant::now();
    assert_eq!(
        lp.run_once(),
        1,
        "the first pass waited for the timer and ran it"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(50),
        "ran early, after {took:?}"
    );
    assert!(
        took < Duration::from_secs(5),
        "slept far too long: {took:?}"
    );
    assert_eq!(log.get(), ["timer"]);
}

#[test]
fn run_until_idle_follows_a_chain_of_timers_to_its_end() {
    let mut lp = MiniLoop::new();
    let log = Log::default();
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    lp.call_later(Duration::from_millis(5), move |lp| {
        l1.0.borrow_mut().push("first");
        lp.call_later(Duration::from_millis(5), move |lp| {
            l2.0.borrow_mut().push("second");
            lp.call_soon(move |_| l3.0.borrow_mut().push("third"));
        });
    });
    let passes = lp.run_until_idle();
    assert_eq!(log.get(), ["first", "second", "third"]);
    assert_eq!(passes, 3, "one pass per link of the chain");
    assert_eq!(lp.run_until_idle(), 0, "nothing left");
}

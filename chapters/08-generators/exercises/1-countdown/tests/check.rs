//! The specification of exercise 08-1.

use ch08_generators::Generator;
use ch08_generators::GeneratorState::{Complete, Yielded};
use ex08_1_countdown::Countdown;

#[test]
fn counts_down_then_lifts_off() {
    let mut countdown = Countdown::new(3);
    assert_eq!(countdown.resume(()), Yielded(3));
    assert_eq!(countdown.resume(()), Yielded(2));
    assert_eq!(countdown.resume(()), Yielded(1));
    assert_eq!(countdown.resume(()), Complete("liftoff"));
}

#[test]
fn from_zero_it_lifts_off_at_once() {
    assert_eq!(Countdown::new(0).resume(()), Complete("liftoff"));
}

#[test]
fn works_as_an_iterator() {
    /// Adapts a countdown, whose return value `iter` would not accept.
    struct Numbers(Countdown);
    impl Generator for Numbers {
        type Yield = u32;
        type Return = ();
        fn resume(&mut self, (): ()) -> ch08_generators::GeneratorState<u32, ()> {
            match self.0.resume(()) {
                Yielded(n) => Yielded(n),
                Complete(_) => Complete(()),
            }
        }
    }
    let all: Vec<u32> = ch08_generators::iter(Numbers(Countdown::new(5))).collect();
    assert_eq!(all, [5, 4, 3, 2, 1]);
}

#[test]
fn a_thrown_error_aborts_it() {
    let mut countdown = Countdown::new(10);
    assert_eq!(countdown.resume(()), Yielded(10));
    let state = countdown
        .throw("hold".into())
        .expect("the countdown handles errors");
    assert_eq!(state, Complete("aborted"));
}

#[test]
#[should_panic(expected = "resumed after it completed")]
fn resuming_after_completion_panics() {
    let mut countdown = Countdown::new(1);
    countdown.resume(());
    countdown.resume(());
    countdown.resume(());
}

//! The specification of exercise 08-2.

use ch08_generators::GeneratorState::{self, Complete, Yielded};
use ch08_generators::{Error, Fib, Generator, Tree};
use ex08_2_chain::Chain;

#[test]
fn yields_first_then_second_and_returns_both_results() {
    let left = Tree::from_values([2, 1, 3]);
    let right = Tree::from_values([9, 8]);
    let mut chain = Chain::new(left.walk(), right.walk());
    let mut seen = Vec::new();
    let returned = loop {
        match chain.resume(()) {
            Yielded(v) => seen.push(*v),
            Complete(both) => break both,
        }
    };
    assert_eq!(seen, [1, 2, 3, 8, 9]);
    assert_eq!(returned, (3, 2), "each walk's count, in order");
}

#[test]
fn second_starts_in_the_resume_that_completed_first() {
    // No gap: the resume after fib(1)'s only value yields fib(2)'s first.
    let mut chain = Chain::new(Fib::new(1), Fib::new(2));
    assert_eq!(chain.resume(()), Yielded(0));
    assert_eq!(chain.resume(()), Yielded(0));
    assert_eq!(chain.resume(()), Yielded(1));
    assert_eq!(chain.resume(()), Complete(((), ())));
}

#[test]
fn two_empty_generators_complete_at_once() {
    let mut chain = Chain::new(Fib::new(0), Fib::new(0));
    assert_eq!(chain.resume(()), Complete(((), ())));
}

/// Yields 1, 2, 3; a thrown error makes it yield 100 and then complete
/// with "caught" on the next resume.
struct Catcher {
    next: u64,
    caught: bool,
}

impl Generator for Catcher {
    type Yield = u64;
    type Return = &'static str;
    fn resume(&mut self, (): ()) -> GeneratorState<u64, &'static str> {
        if self.caught || self.next > 3 {
            return Complete(if self.caught { "caught" } else { "finished" });
        }
        self.next += 1;
        Yielded(self.next - 1)
    }
    fn throw(&mut self, _: Error) -> Result<GeneratorState<u64, &'static str>, Error> {
        self.caught = true;
        Ok(Yielded(100))
    }
}

fn catcher() -> Catcher {
    Catcher {
        next: 1,
        caught: false,
    }
}

#[test]
fn a_throw_goes_to_the_running_generator() {
    let mut chain = Chain::new(catcher(), catcher());
    assert_eq!(chain.resume(()), Yielded(1));
    assert_eq!(chain.throw("x".into()).unwrap(), Yielded(100));
    // `first` completes with "caught"; `second` starts at once.
    assert_eq!(chain.resume(()), Yielded(1));
    assert_eq!(chain.throw("y".into()).unwrap(), Yielded(100));
    assert_eq!(chain.resume(()), Complete(("caught", "caught")));
}

/// Completes with "handled" when an error is thrown in.
struct Quitter;

impl Generator for Quitter {
    type Yield = u64;
    type Return = &'static str;
    fn resume(&mut self, (): ()) -> GeneratorState<u64, &'static str> {
        Yielded(7)
    }
    fn throw(&mut self, _: Error) -> Result<GeneratorState<u64, &'static str>, Error> {
        Ok(Complete("handled"))
    }
}

#[test]
fn when_first_handles_a_throw_by_completing_second_starts() {
    let mut chain = Chain::new(Quitter, catcher());
    assert_eq!(chain.resume(()), Yielded(7));
    assert_eq!(chain.throw("enough".into()).unwrap(), Yielded(1));
    assert_eq!(chain.resume(()), Yielded(2));
}

#[test]
fn an_error_nobody_handles_comes_back_out() {
    let mut chain = Chain::new(Fib::new(5), Fib::new(5));
    assert_eq!(chain.resume(()), Yielded(0));
    let error = chain.throw("boom".into()).unwrap_err();
    assert_eq!(error.to_string(), "boom");
}

#[test]
#[should_panic(expected = "resumed after it completed")]
fn a_chain_ended_by_an_error_is_finished() {
    let mut chain = Chain::new(Fib::new(5), Fib::new(5));
    assert_eq!(chain.resume(()), Yielded(0));
    assert!(chain.throw("boom".into()).is_err());
    // The error ended the chain: neither generator may run again.
    let _ = chain.resume(());
}

#[test]
#[should_panic(expected = "resumed after it completed")]
fn resuming_after_completion_panics() {
    let mut chain = Chain::new(Fib::new(0), Fib::new(0));
    let _ = chain.resume(());
    let _ = chain.resume(());
}

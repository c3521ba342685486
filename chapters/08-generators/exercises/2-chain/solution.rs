// Exercise 08-2, the reference solution: delegation, `yield from` by hand.
use std::fmt;

use ch08_generators::{Error, Generator, GeneratorState, yield_from};

/// Yields everything `first` yields, then everything `second` yields;
/// completes with both return values.
pub struct Chain<A: Generator, B: Generator> {
    state: State<A, B>,
}

/// Where a [`Chain`] is paused.
enum State<A: Generator, B: Generator> {
    /// In `a = yield from first`; `second` waits its turn.
    First(A, B),
    /// In `b = yield from second`, holding what `first` returned.
    Second(A::Return, B),
    /// Completed (or ended by an error it did not handle).
    Done,
}

impl<A: Generator, B: Generator<Yield = A::Yield>> Chain<A, B> {
    /// `first` then `second`; nothing runs until the first resume.
    pub fn new(first: A, second: B) -> Chain<A, B> {
        Chain {
            state: State::First(first, second),
        }
    }

    /// `first` returned `a`: from now on we delegate to `second`.
    fn first_returned(&mut self, a: A::Return) {
        let State::First(_, second) = std::mem::replace(&mut self.state, State::Done) else {
            unreachable!("only called while delegating to `first`");
        };
        self.state = State::Second(a, second);
    }

    /// `second` returned `b`: the chain completes with both results.
    fn second_returned(&mut self, b: B::Return) -> (A::Return, B::Return) {
        let State::Second(a, _) = std::mem::replace(&mut self.state, State::Done) else {
            unreachable!("only called while delegating to `second`");
        };
        (a, b)
    }
}

impl<A: Generator, B: Generator<Yield = A::Yield>> Generator for Chain<A, B> {
    type Yield = A::Yield;
    type Return = (A::Return, B::Return);

    fn resume(&mut self, (): ()) -> GeneratorState<A::Yield, (A::Return, B::Return)> {
        loop {
            match &mut self.state {
                State::First(first, _) => {
                    let a = yield_from!(*first, ());
                    // Go round again: this same resume starts `second`.
                    self.first_returned(a);
                }
                State::Second(_, second) => {
                    let b = yield_from!(*second, ());
                    return GeneratorState::Complete(self.second_returned(b));
                }
                State::Done => panic!("Chain resumed after it completed"),
            }
        }
    }

    fn throw(
        &mut self,
        error: Error,
    ) -> Result<GeneratorState<A::Yield, (A::Return, B::Return)>, Error> {
        match &mut self.state {
            State::First(first, _) => match first.throw(error) {
                Ok(GeneratorState::Yielded(value)) => Ok(GeneratorState::Yielded(value)),
                Ok(GeneratorState::Complete(a)) => {
                    self.first_returned(a);
                    Ok(self.resume(()))
                }
                Err(error) => {
                    self.state = State::Done;
                    Err(error)
                }
            },
            State::Second(_, second) => match second.throw(error) {
                Ok(GeneratorState::Yielded(value)) => Ok(GeneratorState::Yielded(value)),
                Ok(GeneratorState::Complete(b)) => {
                    Ok(GeneratorState::Complete(self.second_returned(b)))
                }
                Err(error) => {
                    self.state = State::Done;
                    Err(error)
                }
            },
            State::Done => panic!("Chain resumed after it completed"),
        }
    }
}

impl<A: Generator, B: Generator> fmt::Debug for Chain<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match self.state {
            State::First(..) => "in first",
            State::Second(..) => "in second",
            State::Done => "done",
        };
        f.debug_struct("Chain").field("state", &at).finish()
    }
}

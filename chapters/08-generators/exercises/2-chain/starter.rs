// Exercise 08-2: delegation, `yield from` by hand. See README.md.
use ch08_generators::{Error, Generator, GeneratorState};

/// Yields everything `first` yields, then everything `second` yields;
/// completes with both return values.
#[derive(Debug)]
pub struct Chain<A: Generator, B: Generator> {
    // Your fields: where the chain is paused, and what it holds there. The
    // two generators are a start; you will need more (see HINT.md).
    first: A,
    second: B,
}

impl<A: Generator, B: Generator<Yield = A::Yield>> Chain<A, B> {
    /// `first` then `second`; nothing runs until the first resume.
    pub fn new(first: A, second: B) -> Chain<A, B> {
        todo!("build the state a chain starts in")
    }
}

impl<A: Generator, B: Generator<Yield = A::Yield>> Generator for Chain<A, B> {
    type Yield = A::Yield;
    type Return = (A::Return, B::Return);

    fn resume(&mut self, (): ()) -> GeneratorState<A::Yield, (A::Return, B::Return)> {
        todo!("forward to the running sub-generator; go on to `second` when `first` completes")
    }

    fn throw(
        &mut self,
        error: Error,
    ) -> Result<GeneratorState<A::Yield, (A::Return, B::Return)>, Error> {
        todo!("forward the error to the running sub-generator")
    }
}

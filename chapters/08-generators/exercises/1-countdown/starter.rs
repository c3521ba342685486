// Exercise 08-1: a countdown generator written by hand. See README.md.
use ch08_generators::{Error, Generator, GeneratorState};

/// Yields `start`, `start - 1`, ..., `1`, then completes with `"liftoff"`;
/// an error thrown in makes it complete with `"aborted"`.
#[derive(Debug)]
pub struct Countdown {
    // Your fields: the locals that survive a `yield`.
}

impl Countdown {
    /// A countdown from `start`; nothing runs until the first resume.
    pub fn new(start: u32) -> Countdown {
        todo!("build the state a countdown from {start} starts in")
    }
}

impl Generator for Countdown {
    type Yield = u32;
    type Return = &'static str;

    fn resume(&mut self, (): ()) -> GeneratorState<u32, &'static str> {
        todo!("yield the next number, or complete with \"liftoff\"")
    }

    fn throw(&mut self, error: Error) -> Result<GeneratorState<u32, &'static str>, Error> {
        todo!("handle the error: complete with \"aborted\"")
    }
}

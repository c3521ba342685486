// Exercise 08-1, the reference solution: a countdown generator by hand.
use ch08_generators::{Error, Generator, GeneratorState};

/// Yields `start`, `start - 1`, ..., `1`, then completes with `"liftoff"`;
/// an error thrown in makes it complete with `"aborted"`.
#[derive(Debug)]
pub struct Countdown {
    /// The number the next resume yields; 0 means "none left".
    next: u32,
    /// Whether it has completed.
    done: bool,
}

impl Countdown {
    /// A countdown from `start`; nothing runs until the first resume.
    pub fn new(start: u32) -> Countdown {
        Countdown {
            next: start,
            done: false,
        }
    }
}

impl Generator for Countdown {
    type Yield = u32;
    type Return = &'static str;

    fn resume(&mut self, (): ()) -> GeneratorState<u32, &'static str> {
        assert!(!self.done, "Countdown resumed after it completed");
        if self.next > 0 {
            let number = self.next;
            self.next -= 1;
            GeneratorState::Yielded(number)
        } else {
            self.done = true;
            GeneratorState::Complete("liftoff")
        }
    }

    fn throw(&mut self, _error: Error) -> Result<GeneratorState<u32, &'static str>, Error> {
        assert!(!self.done, "Countdown resumed after it completed");
        self.done = true;
        Ok(GeneratorState::Complete("aborted"))
    }
}

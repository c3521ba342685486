//! A generator written by hand: the Fibonacci numbers (chapter 08).
//!
//! The Python this stands for:
//!
//! ```python
//! def fib(count):
//!     current, after = 0, 1
//!     while count > 0:
//!         yield current
//!         current, after = after, current + after
//!         count -= 1
//! ```
//!
//! Every local that must survive the `yield` becomes a field. There is only
//! one `yield`, so "where was I?" needs no enum here: a resume always starts
//! right after the `yield` (or at the top, the first time, which is the same
//! place in this loop).

use crate::generator::{Generator, GeneratorState};

/// Yields the first `count` Fibonacci numbers, 0, 1, 1, 2, 3, 5, ...; then
/// completes with `()`.
///
/// The numbers are `u64`, so it stops early after F(93), the last one that
/// fits, rather than overflow.
#[derive(Debug, Clone)]
pub struct Fib {
    /// The number the next resume yields; `None` once past `u64::MAX`.
    current: Option<u64>,
    /// The one after it.
    after: Option<u64>,
    /// How many numbers are still to come.
    left: u64,
    /// Whether it has completed (a resume after that is a bug).
    done: bool,
}

impl Fib {
    /// The first `count` Fibonacci numbers. Nothing runs until the first
    /// resume, as a Python generator runs nothing when called.
    pub fn new(count: u64) -> Fib {
        Fib {
            current: Some(0),
            after: Some(1),
            left: count,
            done: false,
        }
    }
}

impl Generator for Fib {
    type Yield = u64;
    type Return = ();

    fn resume(&mut self, (): ()) -> GeneratorState<u64, ()> {
        assert!(!self.done, "Fib resumed after it completed");
        match self.current {
            Some(value) if self.left > 0 => {
                self.left -= 1;
                self.current = self.after;
                self.after = self.after.and_then(|after| after.checked_add(value));
                GeneratorState::Yielded(value)
            }
            _ => {
                self.done = true;
                GeneratorState::Complete(())
            }
        }
    }
}

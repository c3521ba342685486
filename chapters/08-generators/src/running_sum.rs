//! A generator driven by what is sent in: a running sum (chapter 08).
//!
//! The Python this stands for:
//!
//! ```python
//! def running_sum():
//!     total, count = 0, 0
//!     while True:
//!         try:
//!             number = yield total
//!         except ValueError:
//!             total, count = 0, 0      # bad input upstream: start over
//!             continue
//!         if number is None:
//!             return total, count
//!         total += number
//!         count += 1
//! ```
//!
//! A generator is more than an iterator: values flow *in* as well as out. The
//! caller sends each number with `resume(Some(n))` and gets the total so far
//! back; `resume(None)` says "that was all", and the generator completes with
//! a [`Summary`]. It also shows a generator that handles an error thrown into
//! it ([`Generator::throw`]) and carries on.

use crate::generator::{Error, Generator, GeneratorState};

/// Sums the numbers sent in, yielding the total after each one.
///
/// ```
/// use ch08_generators::{Generator, GeneratorState::*, RunningSum, Summary};
///
/// let mut sum = RunningSum::new();
/// assert_eq!(sum.resume(Some(5)), Yielded(5));
/// assert_eq!(sum.resume(Some(3)), Yielded(8));
/// assert_eq!(sum.resume(None), Complete(Summary { total: 8, count: 2 }));
/// ```
#[derive(Debug, Clone, Default)]
pub struct RunningSum {
    /// The sum of the numbers sent since the start (or the last reset).
    total: i64,
    /// How many numbers that was.
    count: u64,
    /// Whether it has completed (a resume after that is a bug).
    done: bool,
}

/// What a [`RunningSum`] returns when told the input is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// The sum of every number sent (saturated at `i64::MIN`/`i64::MAX`).
    pub total: i64,
    /// How many numbers were sent.
    pub count: u64,
}

impl RunningSum {
    /// A sum of nothing yet.
    pub fn new() -> RunningSum {
        RunningSum::default()
    }
}

impl Generator<Option<i64>> for RunningSum {
    type Yield = i64;
    type Return = Summary;

    /// `Some(n)` adds `n` and yields the new total; `None` completes.
    ///
    /// The sum saturates instead of overflowing: a demo must not panic on a
    /// number a user typed, and chapter 08's server tells the user when the
    /// total hit the limit.
    fn resume(&mut self, sent: Option<i64>) -> GeneratorState<i64, Summary> {
        assert!(!self.done, "RunningSum resumed after it completed");
        match sent {
            Some(number) => {
                self.total = self.total.saturating_add(number);
                self.count += 1;
                GeneratorState::Yielded(self.total)
            }
            None => {
                self.done = true;
                GeneratorState::Complete(Summary {
                    total: self.total,
                    count: self.count,
                })
            }
        }
    }

    /// Handles every error the same way: the numbers so far are suspect, so
    /// it forgets them and yields a fresh total of 0. The error itself is
    /// dropped here: handling it was the point.
    fn throw(&mut self, _error: Error) -> Result<GeneratorState<i64, Summary>, Error> {
        assert!(!self.done, "RunningSum got a throw after it completed");
        self.total = 0;
        self.count = 0;
        Ok(GeneratorState::Yielded(0))
    }
}

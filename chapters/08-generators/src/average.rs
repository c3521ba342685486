//! Delegation, Python's `yield from`: an average built on the running sum
//! (chapter 08).
//!
//! The Python this stands for:
//!
//! ```python
//! def average():
//!     total, count = yield from running_sum()
//!     return total / count if count else None
//! ```
//!
//! `yield from` does three things, and so does [`Average`]: every value sent
//! to the outer generator goes to the inner one, every value the inner one
//! yields comes out of the outer one, and when the inner one returns, its
//! return value is the value of the `yield from` expression. A `throw` is
//! forwarded too, and closing the outer generator closes the inner one
//! (dropping `Average` drops the `RunningSum` inside it).
//!
//! By hand, "delegating" means keeping the sub-generator *inside* our own
//! state and forwarding each resume to it until it completes. The compiler
//! does the same when one `async fn` awaits another (chapter 13).

use crate::generator::{Error, Generator, GeneratorState};
use crate::running_sum::{RunningSum, Summary};
use crate::yield_from;

/// Forwards every number to a [`RunningSum`], yields its running totals, and
/// completes with the mean (`None` when no number was sent).
///
/// ```
/// use ch08_generators::{Average, Generator, GeneratorState::*};
///
/// let mut avg = Average::new();
/// assert_eq!(avg.resume(Some(4)), Yielded(4));
/// assert_eq!(avg.resume(Some(8)), Yielded(12));
/// assert_eq!(avg.resume(None), Complete(Some(6.0)));
/// ```
#[derive(Debug, Clone)]
pub struct Average {
    state: State,
}

/// Where an [`Average`] is paused.
#[derive(Debug, Clone)]
enum State {
    /// Inside `yield from running_sum()`: the sub-generator lives here.
    Delegating(RunningSum),
    /// Returned: the sub-generator is gone.
    Done,
}

impl Average {
    /// An average of nothing yet.
    pub fn new() -> Average {
        Average {
            state: State::Delegating(RunningSum::new()),
        }
    }
}

impl Default for Average {
    fn default() -> Average {
        Average::new()
    }
}

impl Generator<Option<i64>> for Average {
    type Yield = i64;
    type Return = Option<f64>;

    fn resume(&mut self, sent: Option<i64>) -> GeneratorState<i64, Option<f64>> {
        let State::Delegating(sum) = &mut self.state else {
            panic!("Average resumed after it completed");
        };
        // `total, count = yield from running_sum()`
        let summary = yield_from!(*sum, sent);
        // The code after the `yield from`: it runs once, in the resume that
        // completed the sub-generator.
        self.state = State::Done;
        GeneratorState::Complete(mean(summary))
    }

    /// `yield from` forwards a throw to the sub-generator: whatever it does
    /// with the error (the running sum resets) is what we do.
    fn throw(&mut self, error: Error) -> Result<GeneratorState<i64, Option<f64>>, Error> {
        let State::Delegating(sum) = &mut self.state else {
            panic!("Average got a throw after it completed");
        };
        match sum.throw(error) {
            Ok(GeneratorState::Yielded(total)) => Ok(GeneratorState::Yielded(total)),
            Ok(GeneratorState::Complete(summary)) => {
                self.state = State::Done;
                Ok(GeneratorState::Complete(mean(summary)))
            }
            Err(error) => {
                // The error escaped the sub-generator, and so it escapes us.
                self.state = State::Done;
                Err(error)
            }
        }
    }
}

/// `total / count`, or `None` for no numbers at all.
fn mean(Summary { total, count }: Summary) -> Option<f64> {
    (count > 0).then(|| total as f64 / count as f64)
}

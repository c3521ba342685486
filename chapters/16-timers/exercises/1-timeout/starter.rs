// Exercise 16-1: `timeout` from `select` and `sleep`. See README.md.

use std::future::Future;
use std::time::Duration;

// What you need, imported for you (unused until you use it).
#[allow(unused_imports)]
use ghetto_loop::time::{Either, select, sleep};

/// The error of a [`my_timeout`] whose time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut {
    /// How long it waited.
    pub after: Duration,
}

/// Runs `future` for at most `duration`: its output, or [`TimedOut`].
///
/// The future is polled first, so one that is ready at once wins even a
/// zero `duration`. Whichever of the two loses is dropped.
pub async fn my_timeout<F: Future>(duration: Duration, future: F) -> Result<F::Output, TimedOut> {
    todo!("select between `future` and a sleep of `duration`")
}

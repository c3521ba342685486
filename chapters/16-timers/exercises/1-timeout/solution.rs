// Exercise 16-1: `timeout` from `select` and `sleep`. See README.md.

use std::future::Future;
use std::time::Duration;

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
    // `select` polls its first argument first, which gives the tie to the
    // future. When it returns, both futures are gone: the winner finished,
    // the loser was dropped where it stood (a dropped sleep cancels its
    // timer; a dropped future runs its destructors).
    match select(future, sleep(duration)).await {
        Either::Left(output) => Ok(output),
        Either::Right(()) => Err(TimedOut { after: duration }),
    }
}

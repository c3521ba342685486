//! `timeout`: a future and a sleep, whichever ends first (chapter 16).

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use super::sleep::sleep;

/// The error of a [`timeout`] whose time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(Duration);

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {:?}", self.0)
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}

/// Runs `future` for at most `duration`: its output, or [`Elapsed`].
///
/// On `Elapsed` the future is **dropped** where it stands, at its last
/// `.await`: what that cancels is up to the future (see the module docs on
/// cancellation safety). The future is polled first, so one that is ready
/// at the deadline wins.
///
/// ```
/// use ghetto_loop::time::{sleep, timeout};
/// use std::time::Duration;
///
/// ghetto_loop::run(async {
///     let quick = timeout(Duration::from_millis(50), async { 7 }).await;
///     assert_eq!(quick, Ok(7));
///     let slow = timeout(Duration::from_millis(5), sleep(Duration::from_secs(60))).await;
///     assert!(slow.is_err());
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn timeout<F: Future>(duration: Duration, future: F) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    let mut timer = sleep(duration);
    poll_fn(|cx| {
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match Pin::new(&mut timer).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(duration))),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

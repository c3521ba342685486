//! `Later`: the smallest future that is not ready at once (chapter 13).
//!
//! A value that is there only after being asked a few times. Each time it
//! answers `Pending`, it first calls its own waker: "poll me again, it is
//! worth it". That makes it the future twin of a generator that yields a
//! few times before it returns (chapter 08), and of tokio's `yield_now`.
//!
//! A real leaf future (a socket read, a timer) does not wake itself: it
//! hands the waker to whoever will know when the value is there, the
//! reactor or the timer heap, and says `Pending`. [`ThreadSleep`] does that.
//!
//! [`ThreadSleep`]: crate::ThreadSleep

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Answers `Pending` `pending` times, then `Ready(value)`.
///
/// ```
/// use ch13_futures::{Later, WakerKind, block_on};
///
/// let run = block_on(WakerKind::Wake, Later::new("hi", 2));
/// assert_eq!(run.output, "hi");
/// assert_eq!(run.polls, 3);
/// ```
#[derive(Debug)]
pub struct Later<T> {
    /// `None` once handed out.
    value: Option<T>,
    /// How many more polls answer `Pending`.
    pending: u32,
}

impl<T> Later<T> {
    /// `value`, after `pending` polls that say "not yet".
    pub fn new(value: T, pending: u32) -> Later<T> {
        Later {
            value: Some(value),
            pending,
        }
    }
}

// `Later` never points into itself, so it may move between polls whatever
// `T` is: the `Pin` in `poll` promises nothing it needs.
impl<T> Unpin for Later<T> {}

impl<T> Future for Later<T> {
    type Output = T;

    /// # Panics
    ///
    /// When polled again after it returned `Ready`: the value is gone.
    /// (Every future may do this; `Future::poll`'s docs allow any behaviour
    /// there, short of undefined behaviour.)
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        if this.pending > 0 {
            this.pending -= 1;
            // Without this, whoever polls us would wait for a wake that
            // never comes: `Pending` is a promise that someone will wake.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(
            this.value
                .take()
                .expect("`Later` polled after it was ready"),
        )
    }
}

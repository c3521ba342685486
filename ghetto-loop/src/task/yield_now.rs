//! `yield_now`: let every other ready task run before going on (chapter 14).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Gives the loop back for one turn: the task is queued again at once,
/// behind everything already queued, and goes on in the next pass.
///
/// A task that never awaits anything that is `Pending` never gives the
/// loop back; this is how a long computation takes turns with the rest
/// (chapter 14 shows one that does not).
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Queue this task again before saying Pending: nothing else will.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

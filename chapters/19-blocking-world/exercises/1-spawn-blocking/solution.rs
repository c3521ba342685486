// Exercise 19-1: a `spawn_blocking` of your own. See README.md.

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;

/// The closure panicked; this is its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    /// The `&str` or `String` given to `panic!`.
    pub message: String,
}

/// The future of [`my_spawn_blocking`]: the closure's value, or
/// [`Panicked`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct MyBlocking<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

/// What the thread and the future share.
#[derive(Debug)]
struct Slot<T> {
    /// Set once by the thread, taken once by the future.
    result: Option<Result<T, Panicked>>,
    /// The waker of the future's latest poll, for the thread to call.
    waker: Option<Waker>,
}

/// Runs `f` on a new thread; await its value.
pub fn my_spawn_blocking<T, F>(f: F) -> MyBlocking<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let theirs = slot.clone();
    thread::spawn(move || {
        let result = panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| Panicked {
            message: message_of(&*payload),
        });
        // Store the result and take the waker under one lock, so that a
        // poll cannot slip in between and leave a waker nobody calls.
        let waker = {
            let mut slot = theirs.lock().unwrap_or_else(|p| p.into_inner());
            slot.result = Some(result);
            slot.waker.take()
        };
        // Woken outside the lock: the waker may run the task right here.
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    MyBlocking { slot }
}

impl<T> Future for MyBlocking<T> {
    type Output = Result<T, Panicked>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The message of a panic payload.
fn message_of(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

// Exercise 19-1: a `spawn_blocking` of your own. See README.md.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

// What you will need, imported for you (unused until you use them).
#[allow(unused_imports)]
use std::panic::{self, AssertUnwindSafe};
#[allow(unused_imports)]
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
    todo!("make the slot, start a thread that fills it and calls the waker")
}

impl<T> Future for MyBlocking<T> {
    type Output = Result<T, Panicked>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!("take the result if it is there; else leave cx's waker in the slot")
    }
}

/// The message of a panic payload: given, as it is not the point.
fn message_of(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

// Exercise 14-2: a JoinHandle by hand. See README.md.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use ghetto_loop::task;

/// The output of a task spawned with [`spawn_with_handle`]: await it.
pub struct Handle<T> {
    slot: Rc<RefCell<Slot<T>>>,
}

/// What a task and its handle share.
struct Slot<T> {
    /// The task's output, from when it returns until the handle takes it.
    output: Option<T>,
    /// The waker of the latest poll of the handle that found no output.
    waiter: Option<Waker>,
}

/// Spawns `future` on the running loop (with ghetto-loop's own `spawn`,
/// whose handle is dropped) and returns a [`Handle`] for its output.
pub fn spawn_with_handle<F>(future: F) -> Handle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let slot = Rc::new(RefCell::new(Slot {
        output: None,
        waiter: None,
    }));
    let theirs = slot.clone();
    task::spawn(async move {
        let output = future.await;
        let waiter = {
            let mut slot = theirs.borrow_mut();
            slot.output = Some(output);
            slot.waiter.take()
        };
        // Woken after the borrow ends: a waker may run code of its own.
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    });
    Handle { slot }
}

impl<T> Future for Handle<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.borrow_mut();
        if let Some(output) = slot.output.take() {
            return Poll::Ready(output);
        }
        // The latest waker, not the first: the handle may be awaited by
        // another task than the one that polled it before.
        slot.waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> std::fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let done = self.slot.borrow().output.is_some();
        f.debug_struct("Handle").field("done", &done).finish()
    }
}

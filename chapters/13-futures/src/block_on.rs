//! `block_on`: the smallest executor, to see who calls `poll` (chapter 13).
//!
//! Poll the future. `Ready`: done. `Pending`: it has left our waker with
//! whatever it waits for, so sleep (`thread::park`) until that waker is
//! called, and poll again. No spinning: between two polls the thread is
//! asleep in the kernel.
//!
//! This is the chapter's miniature, with a poll counter. It runs one future
//! on the calling thread and nothing else; ghetto-loop's
//! `EventLoop::block_on` (chapter 14) runs the loop between polls, so
//! that timers, sockets and other tasks go on while the future waits.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::thread;

use crate::raw_waker;
use crate::signal::Signal;

/// Which of the chapter's two wakers to drive a future with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakerKind {
    /// Built by hand from a `RawWakerVTable` ([`raw_waker`]).
    Vtable,
    /// Built by `std::task::Wake` ([`crate::signal`]).
    Wake,
}

/// What [`block_on`] returns: the output, and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished<T> {
    /// The future's output.
    pub output: T,
    /// How many times the future was polled.
    pub polls: usize,
    /// How many times its waker was called.
    pub wakes: usize,
}

/// Runs `future` to completion on this thread, parking between polls.
///
/// ```
/// use ch13_futures::{WakerKind, block_on};
///
/// let run = block_on(WakerKind::Vtable, async { 6 * 7 });
/// assert_eq!((run.output, run.polls, run.wakes), (42, 1, 0));
/// ```
pub fn block_on<F: Future>(kind: WakerKind, future: F) -> Finished<F::Output> {
    let signal = Signal::for_current_thread();
    let waker = match kind {
        WakerKind::Vtable => raw_waker::waker(signal.clone()),
        WakerKind::Wake => Waker::from(signal.clone()),
    };
    let mut cx = Context::from_waker(&waker);
    // Pinned on our stack: it will not move again until it is dropped.
    let mut future = pin!(future);
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Finished {
                output,
                polls,
                wakes: signal.wakes(),
            };
        }
        // A wake that came during the poll left the flag set: no park at
        // all. Otherwise park until one comes; a return from `park` without
        // a wake just parks again.
        while !signal.take_woken() {
            thread::park();
        }
    }
}

// Exercise 13-2, the reference solution: join two futures by hand.
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `a` and `b` at the same time; ready with both outputs once both
/// are ready.
pub fn join2<A: Future, B: Future>(a: A, b: B) -> Join2<A, B> {
    Join2 {
        a: Side::Running(Box::pin(a)),
        b: Side::Running(Box::pin(b)),
    }
}

/// The future [`join2`] returns.
pub struct Join2<A: Future, B: Future> {
    a: Side<A>,
    b: Side<B>,
}

/// One side of a join: futures-util calls it `MaybeDone`.
enum Side<F: Future> {
    /// Still running. Boxed so that it stays pinned while `Join2` moves:
    /// futures-util pins it in place instead, which takes an unsafe pin
    /// projection (or the pin-project crate); the box keeps this safe.
    Running(Pin<Box<F>>),
    /// Done: its output, waiting for the other side.
    Done(F::Output),
    /// The output was handed out with `Join2`'s result.
    Taken,
}

impl<F: Future> Side<F> {
    /// Polls the future if it still runs; whether this side is done.
    fn poll(&mut self, cx: &mut Context<'_>) -> bool {
        match self {
            Side::Running(fut) => match fut.as_mut().poll(cx) {
                Poll::Ready(output) => {
                    // The future is dropped here: never polled again.
                    *self = Side::Done(output);
                    true
                }
                Poll::Pending => false,
            },
            Side::Done(_) => true,
            Side::Taken => panic!("`Join2` polled after it completed"),
        }
    }

    fn take(&mut self) -> F::Output {
        match std::mem::replace(self, Side::Taken) {
            Side::Done(output) => output,
            _ => unreachable!("taken only when both sides are done"),
        }
    }
}

// The futures sit in boxes, and the outputs are never pinned (nothing ever
// makes a `Pin` to one), so moving a `Join2` moves nothing that is pinned.
// Without this line, `Join2` would be `Unpin` only when both outputs are.
impl<A: Future, B: Future> Unpin for Join2<A, B> {}

impl<A: Future, B: Future> Future for Join2<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `Join2` is `Unpin` (above), so a plain `&mut` is fine.
        let this = self.get_mut();
        // Both sides get the same `cx`: whichever wakes, the whole join is
        // polled again, and the side that is not ready says `Pending` once
        // more. (futures-util does the same; tokio's `join!` does too, and
        // takes turns on which side goes first, to be fair.)
        let a_done = this.a.poll(cx);
        let b_done = this.b.poll(cx);
        if a_done && b_done {
            Poll::Ready((this.a.take(), this.b.take()))
        } else {
            Poll::Pending
        }
    }
}

impl<A: Future, B: Future> fmt::Debug for Join2<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = |running: bool| if running { "running" } else { "done" };
        f.debug_struct("Join2")
            .field("a", &state(matches!(self.a, Side::Running(_))))
            .field("b", &state(matches!(self.b, Side::Running(_))))
            .finish()
    }
}

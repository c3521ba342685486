//! Waiting for several futures in one task: `join` (all of them) and
//! `select`/`race` (the first) (chapter 16).
//!
//! A task polls one future. To wait for two, poll both from one: that is
//! all these are. They run the futures *concurrently* (interleaved at their
//! `.await`s, on this task), not in parallel, and spawn nothing.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;

/// Waits for both futures; their outputs, in order (asyncio's `gather`).
/// A future that is done is not polled again.
///
/// ```
/// use ghetto_loop::time::{join, sleep};
/// use std::time::Duration;
///
/// let (a, b) = ghetto_loop::run(join(
///     async { sleep(Duration::from_millis(20)).await; "a" },
///     async { sleep(Duration::from_millis(10)).await; "b" },
/// ))?;
/// assert_eq!((a, b), ("a", "b"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut out_a, mut out_b) = (None, None);
    poll_fn(|cx| {
        if out_a.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            out_a = Some(v);
        }
        if out_b.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            out_b = Some(v);
        }
        match (out_a.take(), out_b.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                (out_a, out_b) = (a, b);
                Poll::Pending
            }
        }
    })
    .await
}

/// Waits for every future; their outputs in the order given. Each future is
/// boxed to stay pinned in the `Vec` (one allocation each), and every one
/// not yet done is polled on each wake-up: fine for tens, wasteful for
/// thousands (spawn tasks then, or see `futures`' `FuturesUnordered`, which
/// polls only those whose waker was called).
pub async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut pending = 0;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *output = Some(v),
                    Poll::Pending => pending += 1,
                }
            }
        }
        if pending > 0 {
            return Poll::Pending;
        }
        Poll::Ready(outputs.iter_mut().filter_map(Option::take).collect())
    })
    .await
}

/// Which of two futures finished first, with its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<L, R> {
    /// The first future won.
    Left(L),
    /// The second future won.
    Right(R),
}

/// Waits for the first of two futures; the other is **dropped** (cancelled
/// at its last `.await`, see the module docs). Polls `a` first, so `a` wins
/// a tie: biased, like tokio's `select!` with `biased;` (which otherwise
/// picks at random, so no branch starves).
///
/// ```
/// use ghetto_loop::time::{Either, select, sleep};
/// use std::time::Duration;
///
/// let first = ghetto_loop::run(select(
///     async { sleep(Duration::from_millis(50)).await; "slow" },
///     async { sleep(Duration::from_millis(5)).await; 5 },
/// ))?;
/// assert_eq!(first, Either::Right(5));
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn select<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    })
    .await
}

/// [`select`] for two futures with the same output: the first output.
pub async fn race<T>(a: impl Future<Output = T>, b: impl Future<Output = T>) -> T {
    match select(a, b).await {
        Either::Left(v) | Either::Right(v) => v,
    }
}

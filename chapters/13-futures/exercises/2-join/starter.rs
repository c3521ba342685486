// Exercise 13-2: join two futures by hand. See README.md.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `a` and `b` at the same time; ready with both outputs once both
/// are ready.
pub fn join2<A: Future, B: Future>(a: A, b: B) -> Join2<A, B> {
    todo!("the state before the first poll")
}

/// The future [`join2`] returns.
#[derive(Debug)]
pub struct Join2<A: Future, B: Future> {
    // Your fields: for each side, the future while it runs, then its
    // output once it is done (see HINT.md).
    a: Option<A>,
    b: Option<B>,
}

impl<A: Future, B: Future> Future for Join2<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        todo!("poll each side that is still running; ready when both are done")
    }
}

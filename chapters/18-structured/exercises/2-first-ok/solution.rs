// Exercise 18-2: `first_ok`: the first success wins. See README.md.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

/// Runs every attempt side by side, in this task. The first to succeed
/// wins: its value is returned, and every other attempt is dropped before
/// `first_ok` returns. If all fail, every error, in the order of
/// `attempts` (not the order they failed in).
pub async fn first_ok<T, E, F>(attempts: Vec<F>) -> Result<T, Vec<E>>
where
    F: Future<Output = Result<T, E>>,
{
    // Boxed, so that each can be pinned where it lies; `None` once over.
    let mut running: Vec<Option<Pin<Box<F>>>> =
        attempts.into_iter().map(|a| Some(Box::pin(a))).collect();
    let mut errors: Vec<Option<E>> = running.iter().map(|_| None).collect();
    let outcome = poll_fn(|cx| {
        for (slot, error) in running.iter_mut().zip(errors.iter_mut()) {
            let Some(attempt) = slot else { continue };
            if let Poll::Ready(result) = attempt.as_mut().poll(cx) {
                *slot = None;
                match result {
                    Ok(value) => return Poll::Ready(Some(value)),
                    Err(e) => *error = Some(e),
                }
            }
        }
        if running.iter().all(Option::is_none) {
            Poll::Ready(None)
        } else {
            Poll::Pending
        }
    })
    .await;
    // The losers are dropped here, where they stood: that is their
    // cancellation. Explicit, so nobody has to know when locals die.
    drop(running);
    match outcome {
        Some(value) => Ok(value),
        None => Err(errors.into_iter().flatten().collect()),
    }
}

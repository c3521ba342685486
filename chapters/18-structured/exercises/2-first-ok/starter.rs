// Exercise 18-2: `first_ok`: the first success wins. See README.md.

use std::future::Future;

// What you need, imported for you (unused until you use it).
#[allow(unused_imports)]
use std::future::poll_fn;
#[allow(unused_imports)]
use std::pin::Pin;
#[allow(unused_imports)]
use std::task::Poll;

/// Runs every attempt side by side, in this task. The first to succeed
/// wins: its value is returned, and every other attempt is dropped before
/// `first_ok` returns. If all fail, every error, in the order of
/// `attempts` (not the order they failed in).
pub async fn first_ok<T, E, F>(attempts: Vec<F>) -> Result<T, Vec<E>>
where
    F: Future<Output = Result<T, E>>,
{
    todo!("poll every attempt from one poll_fn; the first Ok wins")
}

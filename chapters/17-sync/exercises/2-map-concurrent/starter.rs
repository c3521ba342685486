// Exercise 17-2: `map_concurrent` with a `Semaphore`. See README.md.

use std::future::Future;

// What you need, imported for you (unused until you use it).
#[allow(unused_imports)]
use ghetto_loop::sync::Semaphore;
#[allow(unused_imports)]
use ghetto_loop::time::join_all;

/// Calls `f` on every item, at most `limit` calls running at a time, and
/// returns their outputs in the order of `items` (not the order they
/// finished). Calls start in the order of `items`.
///
/// # Panics
///
/// If `limit` is 0: nothing could ever run.
pub async fn map_concurrent<I, F, Fut>(items: I, limit: usize, f: F) -> Vec<Fut::Output>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Fut,
    Fut: Future,
{
    todo!("one future per item that holds a permit around its call; join them all")
}

// Exercise 17-2: `map_concurrent` with a `Semaphore`. See README.md.

use std::future::Future;

use ghetto_loop::sync::Semaphore;
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
    assert!(limit > 0, "map_concurrent: the limit must be at least 1");
    let permits = Semaphore::new(limit);
    let (permits, f) = (&permits, &f);
    // One future per item, all in this task: `join_all` polls them in
    // order, so they queue for permits in the order of `items`, and the
    // semaphore's FIFO hand-off keeps that order. No task is spawned, so
    // `f` and the items may borrow from the caller.
    join_all(items.into_iter().map(|item| async move {
        let _permit = permits
            .acquire()
            .await
            .expect("this semaphore is never closed");
        f(item).await
        // `_permit` is dropped here: the next item in line starts.
    }))
    .await
}

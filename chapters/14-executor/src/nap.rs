//! `nap`: wait a while on the loop, without a timer module (chapter 14).
//!
//! Chapter 16 brings `sleep`, built into the loop's timer heap. Until then,
//! the demo needs something to wait on that is not a busy loop, and the
//! pieces are already here: chapter 11's `call_later` fills a chapter 13
//! `CallbackFuture` when the time is up, and the task awaits that future.

use std::time::Duration;

use ghetto_loop::event_loop::LoopHandle;

/// Waits `delay`, giving the loop to other tasks meanwhile.
///
/// ```
/// use ch14_executor::nap::nap;
/// use std::time::{Duration, Instant};
///
/// let start = Instant::now();
/// ghetto_loop::run(nap(Duration::from_millis(20)))?;
/// assert!(start.elapsed() >= Duration::from_millis(20));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Cancel safety
///
/// Dropping it halfway loses nothing, and leaves the timer behind: it fires
/// at its time and fills a future nobody awaits. (Chapter 16's `sleep`
/// cancels its timer when dropped.)
///
/// # Panics
///
/// Polled where no loop is running.
pub async fn nap(delay: Duration) {
    let lp = LoopHandle::current();
    let done = lp.create_future::<()>();
    let filler = done.clone();
    lp.call_later(delay, move || {
        // Only this timer completes the future: it cannot be done already.
        let _ = filler.set_result(());
    });
    // Nothing cancels the future, so the only outcome is `Ok(())`.
    let _ = done.await;
}

//! `sleep`: a timer-heap entry that wakes a task (chapter 16).

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::event_loop::{LoopHandle, TimerHandle};

/// Waits until `duration` has passed on the loop's clock.
///
/// ```
/// use ghetto_loop::time::sleep;
/// use std::time::{Duration, Instant};
///
/// ghetto_loop::run(async {
///     let started = Instant::now();
///     sleep(Duration::from_millis(20)).await;
///     assert!(started.elapsed() >= Duration::from_millis(20), "never early");
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(Start::After(duration), Location::caller())
}

/// Waits until `deadline` on the loop's clock
/// ([`LoopHandle::time`]); a deadline in the past is ready at once.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(Start::At(deadline), Location::caller())
}

/// The future of [`sleep`] and [`sleep_until`].
///
/// It finds its loop when first polled (or when made, if a loop runs then),
/// and only then puts an entry in the loop's timer heap. Dropping it
/// cancels the entry: the heap skips it when it reaches the top, or sheds
/// it when cancelled entries are more than half the heap, so a dropped
/// sleep never wakes anyone and costs nothing but that slot meanwhile.
///
/// # Cancel safety
///
/// Cancel safe: a sleep holds nothing but its timer.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    start: Start,
    /// The heap entry, once polled (or `None` again after `reset`).
    timer: Option<TimerHandle>,
    location: &'static Location<'static>,
}

/// When a sleep ends, before it knows its loop.
#[derive(Debug, Clone, Copy)]
enum Start {
    After(Duration),
    At(Instant),
}

impl Sleep {
    fn new(start: Start, location: &'static Location<'static>) -> Sleep {
        // Measured from now if a loop runs now (its clock may be paused);
        // otherwise from the first poll.
        let start = match (start, LoopHandle::try_current()) {
            (Start::After(d), Some(lp)) => Start::At(after(&lp, d)),
            (start, _) => start,
        };
        Sleep {
            start,
            timer: None,
            location,
        }
    }

    /// When it ends, if it knows (`None` for a `sleep(d)` not yet polled
    /// outside a loop).
    pub fn deadline(&self) -> Option<Instant> {
        match self.start {
            Start::At(when) => Some(when),
            Start::After(_) => None,
        }
    }

    /// Whether its deadline has passed on `lp`'s clock.
    pub fn is_elapsed(&self, lp: &LoopHandle) -> bool {
        self.deadline().is_some_and(|when| when <= lp.time())
    }

    /// Moves the deadline (an interval's next tick, a timeout pushed back):
    /// the old heap entry is cancelled and a new one made on the next poll.
    pub fn reset(&mut self, deadline: Instant) {
        if let Some(timer) = self.timer.take() {
            timer.cancel();
        }
        self.start = Start::At(deadline);
    }
}

/// `duration` after now on `lp`'s clock, saturating far in the future.
fn after(lp: &LoopHandle, duration: Duration) -> Instant {
    let now = lp.time();
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(u32::MAX as u64))
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(timer) = &self.timer {
            return timer.poll_fired(cx);
        }
        let lp = LoopHandle::current();
        let deadline = match self.start {
            Start::At(when) => when,
            Start::After(d) => after(&lp, d),
        };
        self.start = Start::At(deadline);
        if deadline <= lp.time() {
            return Poll::Ready(());
        }
        // `None`: the loop is closed and nothing will ever fire.
        let Some(timer) = lp.wake_at(deadline, self.location) else {
            return Poll::Pending;
        };
        let poll = timer.poll_fired(cx);
        self.timer = Some(timer);
        poll
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(timer) = self.timer.take() {
            timer.cancel();
        }
    }
}

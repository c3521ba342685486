//! The loop's idea of "now", and the virtual clock (chapter 16).
//!
//! Every timer of the loop is measured on [`LoopHandle::time`]. Normally
//! that is the monotonic clock. A loop can also run on **paused** time, the
//! way tokio's `start_paused` and trio's `MockClock` with autojump do: the
//! clock stands still while anything is ready to run, and when nothing is
//! ready and only timers wait, it jumps straight to the nearest deadline
//! instead of sleeping. An hour of timeouts then takes as long as the code
//! that handles them, and a test of timing is a test of order, with no
//! sleep that can race.
//!
//! The jump happens only after a look at the fds that does not wait (a zero
//! timeout): I/O that is already there is seen first. I/O that is still on
//! its way (a peer thread about to answer) loses the race to the jump, as in
//! tokio; paused time is for code whose waiting is all timers.

use std::time::{Duration, Instant};

use super::loop_handle::LoopHandle;

impl LoopHandle {
    /// The loop's clock: monotonic, never goes back (`CLOCK_MONOTONIC`), or
    /// the virtual time of a paused clock.
    pub fn time(&self) -> Instant {
        self.inner.paused_at.get().unwrap_or_else(Instant::now)
    }

    /// Stops the clock at the current time: from now on it moves only by
    /// [`advance_clock`](LoopHandle::advance_clock) or by jumping to the next
    /// deadline when nothing else can run (see the module docs).
    ///
    /// ```
    /// use ghetto_loop::event_loop::EventLoop;
    /// use std::time::{Duration, Instant};
    ///
    /// let lp = EventLoop::new()?;
    /// lp.pause_clock();
    /// let started = Instant::now();
    /// lp.block_on(ghetto_loop::time::sleep(Duration::from_secs(3600)))?;
    /// assert!(started.elapsed() < Duration::from_secs(5), "an hour, jumped");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn pause_clock(&self) {
        if self.inner.paused_at.get().is_none() {
            self.inner.paused_at.set(Some(Instant::now()));
        }
    }

    /// Whether the clock is paused.
    pub fn is_clock_paused(&self) -> bool {
        self.inner.paused_at.get().is_some()
    }

    /// Moves a paused clock forward by `by`; timers now due run on the next
    /// pass. Does nothing on a running clock.
    pub fn advance_clock(&self, by: Duration) {
        if let Some(now) = self.inner.paused_at.get() {
            self.inner.paused_at.set(Some(now + by));
        }
    }

    /// Moves a paused clock forward to `when`, if that is later.
    pub(crate) fn jump_clock_to(&self, when: Instant) {
        if let Some(now) = self.inner.paused_at.get()
            && when > now
        {
            self.inner.paused_at.set(Some(when));
        }
    }
}

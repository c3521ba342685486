//! Debug mode: catch the callback that blocks the loop (chapter 11; chapter
//! 19 applies the same check to tasks).
//!
//! One thread runs every callback, so a callback that takes 300 ms delays
//! every other client, timer and fd by 300 ms. Nothing fails; everything is
//! just slow, and nothing says why. In debug mode the loop times each
//! callback and reports the ones that run longer than a threshold (100 ms by
//! default), with where they were scheduled: asyncio's debug mode and
//! `slow_callback_duration`, turned on the same way (`PYTHONASYNCIODEBUG=1`
//! there, `GHETTO_DEBUG=1` here) or with
//! [`LoopHandle::set_debug`](super::LoopHandle::set_debug).
//!
//! It is off by default because it reads the clock twice per callback.

use std::time::Duration;

use super::loop_handle::LoopHandle;

/// The environment variable that turns debug mode on for every new loop.
pub const DEBUG_ENV: &str = "GHETTO_DEBUG";

/// A callback that runs at least this long is reported in debug mode,
/// unless [`LoopHandle::set_slow_callback_duration`](super::LoopHandle::set_slow_callback_duration)
/// says otherwise.
pub const DEFAULT_SLOW_CALLBACK: Duration = Duration::from_millis(100);

/// Whether `GHETTO_DEBUG` asks for debug mode: set, and neither empty nor
/// `0`, `false` or `no`.
pub(crate) fn debug_from_env() -> bool {
    std::env::var(DEBUG_ENV).is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no"))
}

impl LoopHandle {
    /// Turns debug mode on or off; a new loop starts with it on when
    /// `GHETTO_DEBUG=1`. In debug mode, every callback is timed, and one that
    /// runs longer than [`slow_callback_duration`](LoopHandle::slow_callback_duration)
    /// is reported with where it was scheduled.
    pub fn set_debug(&self, on: bool) {
        self.inner.instruments.debug.set(on);
    }

    /// Whether debug mode is on.
    pub fn debug(&self) -> bool {
        self.inner.instruments.debug.get()
    }

    /// In debug mode, report callbacks that run at least this long
    /// (default 100 ms).
    pub fn set_slow_callback_duration(&self, threshold: Duration) {
        self.inner.instruments.slow_callback.set(threshold);
    }

    /// The slow-callback threshold.
    pub fn slow_callback_duration(&self) -> Duration {
        self.inner.instruments.slow_callback.get()
    }
}

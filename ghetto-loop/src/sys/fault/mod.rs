//! Faults injected below the runtime, on purpose (the robustness suites that
//! follow chapter 20).
//!
//! A kernel is allowed to do things a test machine rarely does: end a call
//! with `EINTR` because a signal came, read or write fewer bytes than asked,
//! say `EAGAIN` after `epoll` said "ready", report readiness that is gone by
//! the time you look. Code that forgets one of those works for months and
//! then loses a byte in production. mio and tokio keep regression tests for
//! each; this module lets ghetto-loop's own suites meet them all the time.
//!
//! It is compiled only with the cargo feature `faults` and switched on only
//! when `GHETTO_FAULTS=SEED[:RATE]` is set (`RATE` is the chance that one
//! hooked call is disturbed, 0.1 unless given). Without the feature every
//! hook below is an empty `#[inline(always)]` function: the release build
//! and the benchmark contain no trace of it, not even a branch.
//!
//! What can go wrong, and where it is injected (each hook sits next to the
//! system call it disturbs, inside its retry loop, so the loop is what is
//! tested):
//!
//! * `read`, `send`, `accept4`: `EINTR` instead of the call; `EAGAIN`
//!   instead of the call when the fd is non-blocking; for `read` and `send`,
//!   a shorter length, so the call moves fewer bytes than it could.
//! * `connect`: `EINTR` after the call, the way a signal during a blocking
//!   handshake leaves the handshake going on in the kernel.
//! * the selectors' waits and the doorbell's `eventfd` reads and writes:
//!   `EINTR` instead of the call.
//! * every selector `SelectorKind::open` returns is wrapped in a
//!   [`Spurious`], which ends a wait early, now and then, with a readiness
//!   event for a registered fd that may not be ready at all.
//! * a task that returned `Pending` is woken again at once, as if something
//!   had happened (the task layer asks `spurious_wake`).
//!
//! Every fault keeps to the selector contract of `selector.rs`, which is
//! level-triggered: an fd that is still readable after a spurious `EAGAIN`
//! or a short read is reported again by the next wait. (An edge-triggered
//! epoll would lose that edge; a fault layer for one would have to re-arm
//! it. Only the selectors of `SelectorKind::open` are wrapped, and those are
//! level-triggered: nothing above `sys` uses chapter 06's edge-triggered
//! epoll.)
//!
//! Reproducible: each thread draws from its own generator, seeded from the
//! seed and the thread's name (a test's thread is named after the test), so
//! a failing test run again with the same `GHETTO_FAULTS` meets the same
//! faults in the same order, as long as the kernel answers the same way. The
//! first fault decision on a thread prints `faults: seed N, rate R`, so a
//! failing test's captured output says how to repeat it.

use std::io;
use std::os::fd::RawFd;

/// The kinds of call a hook disturbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `read(2)` on a socket.
    Read,
    /// `send(2)` on a socket.
    Write,
    /// `accept4(2)`.
    Accept,
    /// `connect(2)`, blocking or not.
    Connect,
    /// A selector's `select`/`ppoll`/`epoll_pwait2`.
    Wait,
    /// A read or write of the doorbell's eventfd.
    Doorbell,
}

/// How many faults this thread has injected so far, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Injected {
    /// Calls that returned `EINTR`.
    pub interrupted: u64,
    /// Calls that returned `EAGAIN` although they could have gone on.
    pub would_block: u64,
    /// Reads and writes given a shorter length than the caller's buffer.
    pub short: u64,
    /// Readiness events invented by a wrapped selector.
    pub spurious_events: u64,
    /// Tasks woken when nothing had happened.
    pub spurious_wakes: u64,
}

impl Injected {
    /// All faults together.
    pub fn total(&self) -> u64 {
        self.interrupted
            + self.would_block
            + self.short
            + self.spurious_events
            + self.spurious_wakes
    }
}

/// The environment variable that switches faults on: `SEED[:RATE]`.
pub const FAULTS_ENV: &str = "GHETTO_FAULTS";

/// Whether faults are being injected in this process (the feature is
/// compiled in and [`FAULTS_ENV`] holds a valid setting).
pub fn enabled() -> bool {
    imp::settings().is_some()
}

/// The seed and rate in force, if faults are on.
pub fn settings() -> Option<(u64, f64)> {
    imp::settings().map(|s| (s.seed, s.rate))
}

/// How many faults the calling thread has injected so far.
pub fn injected() -> Injected {
    imp::injected()
}

/// Before a call that may be interrupted: `Err(EINTR)` (or, for a
/// non-blocking `fd` and a call that can say so, `Err(EAGAIN)`) means "do not
/// make the call, return this as its result".
#[inline(always)]
pub(crate) fn before(call: Call, fd: RawFd) -> io::Result<()> {
    imp::before(call, fd)
}

/// After a call that the kernel goes on with when a signal ends it
/// (`connect`): turns a success into `EINTR` now and then.
#[inline(always)]
pub(crate) fn after<T>(call: Call, result: io::Result<T>) -> io::Result<T> {
    imp::after(call, result)
}

/// The length to pass to a `read` or `send` of `len` bytes: now and then a
/// shorter one, never 0 unless `len` is.
#[inline(always)]
pub(crate) fn length(call: Call, len: usize) -> usize {
    imp::length(call, len)
}

/// Whether to wake a task that just returned `Pending`, for nothing.
#[inline(always)]
pub(crate) fn spurious_wake() -> bool {
    imp::spurious_wake()
}

/// Wraps a selector so that it reports spurious readiness, when faults are
/// on; hands it back unchanged otherwise.
#[inline(always)]
pub(crate) fn wrap(selector: Box<dyn super::Selector>) -> Box<dyn super::Selector> {
    imp::wrap(selector)
}

/// Without the feature: nothing at all.
#[cfg(not(feature = "faults"))]
mod imp {
    use super::{Call, Injected};
    use std::io;
    use std::os::fd::RawFd;

    pub(super) struct Settings {
        pub(super) seed: u64,
        pub(super) rate: f64,
    }

    pub(super) fn settings() -> Option<&'static Settings> {
        None
    }

    pub(super) fn injected() -> Injected {
        Injected::default()
    }

    #[inline(always)]
    pub(super) fn before(_call: Call, _fd: RawFd) -> io::Result<()> {
        Ok(())
    }

    #[inline(always)]
    pub(super) fn after<T>(_call: Call, result: io::Result<T>) -> io::Result<T> {
        result
    }

    #[inline(always)]
    pub(super) fn length(_call: Call, len: usize) -> usize {
        len
    }

    #[inline(always)]
    pub(super) fn spurious_wake() -> bool {
        false
    }

    /// Nothing counts faults when the layer is compiled out.
    pub(super) fn count_spurious_events(_n: u64) {}

    #[inline(always)]
    pub(super) fn wrap(selector: Box<dyn crate::sys::Selector>) -> Box<dyn crate::sys::Selector> {
        selector
    }
}

#[cfg(feature = "faults")]
mod imp;
mod rng;
mod selector;

pub use selector::Spurious;

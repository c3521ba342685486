//! A selector's timeout: counted down across signals, rounded up, never down
//! (chapter 04; every backend of chapters 04-06 uses it).
//!
//! Two small things every `wait` gets wrong at least once:
//!
//! * A signal ends the system call early with `EINTR`. Waiting again with the
//!   *original* timeout would stretch the wait by however long had passed, so
//!   we keep a [`Deadline`] and always wait for the time that is left.
//! * `poll(2)` and `epoll_wait(2)` count in milliseconds. Truncating 0.1 ms to
//!   0 ms turns "wait a little" into "don't wait at all", and a caller that
//!   loops on it spins a core at 100 %. So a timeout is rounded **up** to the
//!   backend's unit.

use std::io;
use std::time::{Duration, Instant};

use super::fault::{self, Call};

/// The longest a single system call is asked to wait: `i32::MAX`
/// milliseconds (about 24.8 days), the most `poll`/`epoll_wait` can express.
/// A longer timeout is served by waiting again when this much has passed.
pub(crate) const LONGEST_SINGLE_WAIT: Duration = Duration::from_millis(i32::MAX as u64);

/// When a wait must end: an instant, or never.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    /// `None` means "wait forever". A timeout so long that `Instant` cannot
    /// represent its end is treated as forever too.
    at: Option<Instant>,
}

impl Deadline {
    /// The deadline of a wait that starts now with `timeout`.
    pub(crate) fn after(timeout: Option<Duration>) -> Deadline {
        Deadline {
            at: timeout.and_then(|t| Instant::now().checked_add(t)),
        }
    }

    /// The time left, capped at [`LONGEST_SINGLE_WAIT`]: `None` to wait
    /// forever, `Some(Duration::ZERO)` once the deadline has passed.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        self.at.map(|at| {
            at.saturating_duration_since(Instant::now())
                .min(LONGEST_SINGLE_WAIT)
        })
    }

    /// Whether the deadline has passed (never, for a wait without one).
    pub(crate) fn has_passed(&self) -> bool {
        self.at.is_some_and(|at| Instant::now() >= at)
    }
}

/// Runs one backend's wait system call until it has an answer, and returns
/// how many fds it reported.
///
/// `wait_once` gets the time left (`None`: forever) and makes the call once.
/// This loop is the part every backend shares:
///
/// * `EINTR`: a signal handler ran while we slept. Not our business: wait
///   again, for the time that is left, so callers never see `Interrupted`.
/// * `0` with time left: the call was capped at [`LONGEST_SINGLE_WAIT`], or
///   the kernel's timer fired a hair before our clock's deadline. Wait for
///   the rest, so a wait never ends early without an event.
pub(crate) fn wait_with_retries(
    timeout: Option<Duration>,
    mut wait_once: impl FnMut(Option<Duration>) -> io::Result<libc::c_int>,
) -> io::Result<usize> {
    let deadline = Deadline::after(timeout);
    loop {
        // The fault layer (off unless asked for) may stand in for a signal.
        let res = fault::before(Call::Wait, -1).and_then(|()| wait_once(deadline.remaining()));
        match res {
            Ok(0) if !deadline.has_passed() => continue,
            Ok(n) => return Ok(n as usize),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// The `timeout` argument of `poll(2)` and `epoll_wait(2)`: `-1` to wait
/// forever, otherwise milliseconds rounded **up** (0.1 ms becomes 1 ms; only
/// an exact zero stays 0).
pub(crate) fn millis_rounded_up(timeout: Option<Duration>) -> libc::c_int {
    match timeout {
        None => -1,
        Some(t) => {
            let millis = t.as_nanos().div_ceil(1_000_000);
            millis.min(i32::MAX as u128) as libc::c_int
        }
    }
}

/// The `timeout` argument of `ppoll(2)` and `epoll_pwait2(2)` (chapter 16):
/// a `timespec` to the nanosecond, so a 1.5 ms timer waits 1.5 ms, not 2.
/// `None` (wait forever) is a null pointer to the kernel.
pub(crate) fn timespec(timeout: Option<Duration>) -> Option<libc::timespec> {
    timeout.map(|t| {
        let t = t.min(LONGEST_SINGLE_WAIT);
        libc::timespec {
            tv_sec: t.as_secs() as libc::time_t,
            tv_nsec: t.subsec_nanos() as libc::c_long,
        }
    })
}

/// The `timeout` argument of `select(2)`: a `timeval` with microseconds
/// rounded **up**.
pub(crate) fn timeval_rounded_up(timeout: Duration) -> libc::timeval {
    let timeout = timeout.min(LONGEST_SINGLE_WAIT);
    let micros = timeout.as_nanos().div_ceil(1_000);
    libc::timeval {
        tv_sec: (micros / 1_000_000) as libc::time_t,
        tv_usec: (micros % 1_000_000) as libc::suseconds_t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_round_up_never_down_to_a_busy_zero() {
        assert_eq!(millis_rounded_up(None), -1);
        assert_eq!(millis_rounded_up(Some(Duration::ZERO)), 0);
        assert_eq!(millis_rounded_up(Some(Duration::from_nanos(1))), 1);
        assert_eq!(millis_rounded_up(Some(Duration::from_micros(100))), 1);
        assert_eq!(millis_rounded_up(Some(Duration::from_millis(1))), 1);
        assert_eq!(millis_rounded_up(Some(Duration::from_micros(1_001))), 2);
        assert_eq!(
            millis_rounded_up(Some(Duration::from_secs(u64::MAX))),
            i32::MAX
        );
    }

    #[test]
    fn microseconds_round_up_too() {
        let tv = timeval_rounded_up(Duration::from_nanos(1));
        assert_eq!((tv.tv_sec, tv.tv_usec), (0, 1));
        let tv = timeval_rounded_up(Duration::from_millis(2_500));
        assert_eq!((tv.tv_sec, tv.tv_usec), (2, 500_000));
        let tv = timeval_rounded_up(Duration::ZERO);
        assert_eq!((tv.tv_sec, tv.tv_usec), (0, 0));
    }

    #[test]
    fn a_deadline_counts_down_and_forever_is_forever() {
        let forever = Deadline::after(None);
        assert_eq!(forever.remaining(), None);
        assert!(!forever.has_passed());
        let absurd = Deadline::after(Some(Duration::from_secs(u64::MAX)));
        assert_eq!(
            absurd.remaining(),
            None,
            "an unrepresentable end is forever"
        );
        let now = Deadline::after(Some(Duration::ZERO));
        assert_eq!(now.remaining(), Some(Duration::ZERO));
        assert!(now.has_passed());
        let later = Deadline::after(Some(Duration::from_secs(3600)));
        let left = later.remaining().unwrap();
        assert!(left > Duration::from_secs(3500) && left <= Duration::from_secs(3600));
        assert!(!later.has_passed());
    }
}

//! How late a real sleep wakes (chapter 16).
//!
//! A timer never fires early: the loop waits at least the time left, and
//! the sleep is measured from before it was made. How *late* it fires is
//! the sum of three things: the selector's unit (`epoll_pwait2` takes
//! nanoseconds; plain `epoll_wait` whole milliseconds, rounded up), the
//! kernel's timer slack (ghetto-loop asks for 1 ns instead of the default
//! 50 us), and the machine's own noise: a virtual machine, other
//! processes, the scheduler.
//!
//! Sleeps of 1 ms and of 1.5 ms are both measured: a deadline that is not
//! a whole number of milliseconds away is where a millisecond timeout
//! would cost up to one more millisecond.

use std::time::{Duration, Instant};

use ghetto_loop::time::sleep;

/// The lateness of `count` sleeps of `asked`, one after the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lateness {
    /// How long each sleep asked for.
    pub asked: Duration,
    /// How late each woke, sorted, shortest first.
    pub late: Vec<Duration>,
    /// How many woke before `asked` had passed (the claim: none).
    pub early: usize,
}

impl Lateness {
    /// The lateness below which `pct` percent of the sleeps woke.
    pub fn percentile(&self, pct: usize) -> Duration {
        if self.late.is_empty() {
            return Duration::ZERO;
        }
        let i = (self.late.len() * pct / 100).min(self.late.len() - 1);
        self.late[i]
    }

    /// The latest wake-up.
    pub fn max(&self) -> Duration {
        self.late.last().copied().unwrap_or_default()
    }
}

/// Sleeps `asked`, `count` times, on the current loop's real clock, and
/// measures each with the monotonic clock.
pub async fn measure(asked: Duration, count: usize) -> Lateness {
    let mut late = Vec::with_capacity(count);
    let mut early = 0;
    for _ in 0..count {
        // Read before the sleep is made, so the measured time includes
        // all of the sleep's own.
        let started = Instant::now();
        sleep(asked).await;
        let took = started.elapsed();
        if took < asked {
            early += 1;
        }
        late.push(took.saturating_sub(asked));
    }
    late.sort();
    Lateness { asked, late, early }
}

/// `p50 0.062 ms, p99 0.210 ms, max 0.413 ms`.
pub fn summary(l: &Lateness) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(l.percentile(50)),
        ms(l.percentile(99)),
        ms(l.max())
    )
}

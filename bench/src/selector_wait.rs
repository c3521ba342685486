//! The cost of one selector wait against idle fds, for each backend.
//!
//! This is chapter 05's and 06's claim as a number: `select` and `poll` hand
//! the kernel the whole list of fds on every call and the kernel walks all of
//! it, so a wait costs O(registered fds); epoll keeps the list in the kernel
//! and a wait costs O(ready fds). We register N fds of which none is ever
//! ready and time `wait(Some(Duration::ZERO))`, which only looks: no sleeping
//! is measured, only the scan.

use std::io;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ghetto_loop::sys::{Interest, Selector, SelectorKind, Token};

use crate::pin::pin_current_thread;
use crate::stats::Spread;

/// How a wait-cost measurement is repeated.
#[derive(Debug, Clone, Copy)]
pub struct WaitPlan {
    /// Registered idle fds.
    pub fds: usize,
    /// Batches timed; the spread is over batches.
    pub batches: usize,
    /// Waits per batch; one batch's time divided by this is one sample.
    pub waits_per_batch: usize,
    /// The CPU to measure on.
    pub cpu: usize,
}

/// Nanoseconds per `wait(Some(Duration::ZERO))` with `plan.fds` idle fds
/// registered in a fresh `kind` selector: the median and middle half (25th to
/// 75th percentile) over batches.
///
/// The fds are both ends of `fds / 2` Unix socket pairs on which nothing is
/// ever written, so none is ever ready. Runs on a thread pinned to
/// `plan.cpu`. Errors: the backend refused an fd (select above
/// `FD_SETSIZE`), ran out of fds, or reported an idle fd as ready.
pub fn measure(kind: SelectorKind, plan: WaitPlan) -> io::Result<Spread> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name(format!("wait-{kind}"))
            .spawn_scoped(scope, move || {
                pin_current_thread(plan.cpu)?;
                measure_here(kind, plan)
            })?
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn measure_here(kind: SelectorKind, plan: WaitPlan) -> io::Result<Spread> {
    let mut selector = kind.open()?;
    let pairs: Vec<(UnixStream, UnixStream)> = (0..plan.fds.div_ceil(2))
        .map(|_| UnixStream::pair())
        .collect::<io::Result<_>>()?;
    let ends = pairs.iter().flat_map(|(a, b)| [a, b]).take(plan.fds);
    for (i, end) in ends.enumerate() {
        selector.register(end.as_fd(), Token(i), Interest::READABLE)?;
    }
    let mut events = Vec::new();
    let mut wait_batch = |waits: usize| -> io::Result<Duration> {
        let start = Instant::now();
        for _ in 0..waits {
            selector.wait(&mut events, Some(Duration::ZERO))?;
            if !events.is_empty() {
                return Err(io::Error::other(format!(
                    "{kind} reported {} idle fds as ready",
                    events.len()
                )));
            }
        }
        Ok(start.elapsed())
    };
    // One untimed batch first: page in the selector's arrays and the code.
    wait_batch(plan.waits_per_batch)?;
    let samples: Vec<f64> = (0..plan.batches)
        .map(|_| {
            wait_batch(plan.waits_per_batch)
                .map(|took| took.as_nanos() as f64 / plan.waits_per_batch as f64)
        })
        .collect::<io::Result<_>>()?;
    let spread =
        Spread::middle_half(&samples).ok_or_else(|| io::Error::other("no samples taken"))?;
    // Deregister before the pairs close, as the Selector contract asks.
    for end in pairs.iter().flat_map(|(a, b)| [a, b]).take(plan.fds) {
        selector.deregister(end.as_fd())?;
    }
    Ok(spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_backend_gives_a_positive_cost() {
        let cpu = crate::pin::allowed_cpus().unwrap()[0];
        for kind in SelectorKind::ALL {
            let plan = WaitPlan {
                fds: 11,
                batches: 3,
                waits_per_batch: 5,
                cpu,
            };
            let spread = measure(kind, plan).unwrap();
            assert!(
                spread.low > 0.0 && spread.low <= spread.median && spread.median <= spread.high
            );
        }
    }

    #[test]
    fn select_refuses_more_fds_than_it_can_watch() {
        ghetto_loop::sys::raise_fd_limit().unwrap();
        let cpu = crate::pin::allowed_cpus().unwrap()[0];
        let plan = WaitPlan {
            fds: 1100,
            batches: 1,
            waits_per_batch: 1,
            cpu,
        };
        let err = measure(SelectorKind::Select, plan).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(measure(SelectorKind::Poll, plan).is_ok());
    }
}

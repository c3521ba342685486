//! What one wait costs when many fds are watched and one is ready
//! (chapter 05; chapter 06 runs it on every backend).
//!
//! A server with 5,000 connected clients, of which one just spoke, wants to
//! learn which one. `poll` hands the kernel all 5,000 entries, the kernel
//! asks each socket "ready?", and we scan the 5,000 answers for the one that
//! says yes. This measures exactly that: N idle fds (both ends of N/2 Unix
//! socket pairs, on which nothing is ever written) plus one fd with a byte
//! waiting, and the time of `wait(Some(Duration::ZERO))`, which only looks.
//! No sleeping is measured, only the looking.

use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use ghetto_loop::sys::{Interest, Selector, Token};

/// How many batches are timed; the result is their median, which a noisy
/// neighbour on the machine can spoil only if it spoils most batches.
const BATCHES: usize = 15;

/// The median time of one `wait` that reports the one ready fd among
/// `idle` idle ones, on `selector`.
///
/// Errors: the selector refused an fd (select at fd 1,024, or the process
/// ran out of fds), or it reported something other than the one ready fd.
pub fn wait_cost(selector: &mut dyn Selector, idle: usize) -> io::Result<Duration> {
    let fds = Watched::register(selector, idle)?;
    let result = time_waits(selector, idle);
    fds.deregister(selector)?;
    result
}

/// The fds being watched: kept open until deregistered.
struct Watched {
    /// Nothing is ever written to these: neither end is ever readable.
    pairs: Vec<(UnixStream, UnixStream)>,
    /// How many ends of `pairs` are registered (all, or all but one).
    idle: usize,
    /// `ready.0` is registered and always has a byte waiting from `ready.1`.
    ready: (UnixStream, UnixStream),
}

impl Watched {
    fn register(selector: &mut dyn Selector, idle: usize) -> io::Result<Watched> {
        let watched = Watched {
            pairs: (0..idle.div_ceil(2))
                .map(|_| UnixStream::pair())
                .collect::<io::Result<_>>()?,
            idle,
            ready: UnixStream::pair()?,
        };
        for (i, end) in watched.idle_ends().enumerate() {
            selector.register(end.as_fd(), Token(i + 1), Interest::READABLE)?;
        }
        // Registered last: a backend that scans in order finds it last.
        (&watched.ready.1).write_all(b"!")?;
        selector.register(watched.ready.0.as_fd(), Token(0), Interest::READABLE)?;
        Ok(watched)
    }

    fn idle_ends(&self) -> impl Iterator<Item = &UnixStream> {
        self.pairs.iter().flat_map(|(a, b)| [a, b]).take(self.idle)
    }

    /// Deregisters every fd, as the contract asks before they are closed.
    fn deregister(self, selector: &mut dyn Selector) -> io::Result<()> {
        for end in self.idle_ends() {
            selector.deregister(end.as_fd())?;
        }
        selector.deregister(self.ready.0.as_fd())
    }
}

fn time_waits(selector: &mut dyn Selector, idle: usize) -> io::Result<Duration> {
    // Enough waits per batch that a batch takes a measurable while, few
    // enough that 5,000 fds still take only a fraction of a second in all.
    let per_batch = (20_000 / (idle + 1)).clamp(5, 2_000) as u32;
    let mut events = Vec::new();
    let mut samples = Vec::with_capacity(BATCHES);
    for _ in 0..BATCHES {
        let started = Instant::now();
        for _ in 0..per_batch {
            selector.wait(&mut events, Some(Duration::ZERO))?;
            if events.len() != 1 || events[0].token != Token(0) {
                return Err(io::Error::other(format!(
                    "{}: expected the one ready fd, got {events:?}",
                    selector.name()
                )));
            }
        }
        samples.push(started.elapsed() / per_batch);
    }
    samples.sort();
    Ok(samples[BATCHES / 2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghetto_loop::sys::{Poll, SelectorKind};

    #[test]
    fn measures_and_leaves_the_selector_as_it_was() -> io::Result<()> {
        let mut poll = Poll::new()?;
        let cost = wait_cost(&mut poll, 11)?;
        assert!(cost > Duration::ZERO);
        assert!(poll.is_empty(), "every fd was deregistered");
        Ok(())
    }

    #[test]
    fn measures_every_backend_and_deregisters_what_it_registered() -> io::Result<()> {
        for kind in SelectorKind::ALL {
            let mut selector = kind.open()?;
            let cost = wait_cost(&mut *selector, 11)?;
            assert!(cost > Duration::ZERO);
            // Everything was deregistered: measuring again registers afresh
            // (a leftover registration would be an AlreadyExists error or a
            // second ready event).
            wait_cost(&mut *selector, 11)?;
        }
        Ok(())
    }
}

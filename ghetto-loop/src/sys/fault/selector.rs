//! A selector that reports readiness nobody asked the kernel about (the
//! robustness suites that follow chapter 20).
//!
//! Real selectors report fds that are not ready by the time you look:
//! another thread read the data first, a checksum failed after the wake-up
//! (the Linux `select(2)` man page warns about exactly that), or a wait
//! ended for a reason the caller cannot see. A runtime must treat an event
//! as a hint and let `read`/`write`/`accept` say what is true. This wrapper
//! makes that happen often: now and then it ends a wait at once with an
//! event for a registered fd, with the directions it was registered for.

use std::collections::BTreeMap;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use super::rng::Rng;
use crate::sys::{Doorbell, Event, Interest, Selector, Token};

/// A backend plus what is registered with it, to invent events from.
///
/// The fault layer wraps every selector it opens in one (feature `faults`,
/// `GHETTO_FAULTS` set); a test may also build one itself, at any rate, to
/// lie as often as it likes:
///
/// ```
/// use ghetto_loop::sys::{SelectorKind, fault::Spurious};
///
/// // Every wait reports one registered fd ready, whether it is or not.
/// let liar = Spurious::new(SelectorKind::Epoll.open()?, 7, 1.0);
/// let lp = ghetto_loop::event_loop::EventLoop::with_selector(Box::new(liar));
/// # drop(lp);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Spurious {
    inner: Box<dyn Selector>,
    /// Every registered fd, with the token and interest it was given; kept
    /// in step by `register`, `modify` and `deregister` (ordered, so that
    /// the same seed picks the same fd).
    registered: BTreeMap<RawFd, (Token, Interest)>,
    /// This selector's own dice, seeded from the creating thread's: a
    /// selector may be waited on from another thread.
    rng: Rng,
    rate: f64,
}

impl Spurious {
    /// Wraps `inner`: each wait, with probability `rate` (0 to 1), ends at
    /// once with an event for one registered fd, picked by a generator
    /// seeded with `seed`.
    pub fn new(inner: Box<dyn Selector>, seed: u64, rate: f64) -> Spurious {
        Spurious {
            inner,
            registered: BTreeMap::new(),
            rng: Rng::new(seed),
            rate,
        }
    }

    /// The fd to report spuriously on this wait, if any.
    fn pick(&mut self) -> Option<(Token, Interest)> {
        if self.registered.is_empty() {
            return None;
        }
        if !self.rng.chance(self.rate) {
            return None;
        }
        let index = self.rng.below(self.registered.len() as u64) as usize;
        self.registered.values().nth(index).copied()
    }
}

impl Selector for Spurious {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn register(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        self.inner.register(fd, token, interest)?;
        self.registered.insert(fd.as_raw_fd(), (token, interest));
        Ok(())
    }

    fn modify(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        self.inner.modify(fd, token, interest)?;
        self.registered.insert(fd.as_raw_fd(), (token, interest));
        Ok(())
    }

    fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.inner.deregister(fd)?;
        self.registered.remove(&fd.as_raw_fd());
        Ok(())
    }

    fn wait(&mut self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()> {
        let Some((token, interest)) = self.pick() else {
            return self.inner.wait(events, timeout);
        };
        // Only look, do not sleep: the invented event is the reason this
        // wait ends.
        self.inner.wait(events, Some(Duration::ZERO))?;
        // At most one event per fd per wait, as the contract says: merge
        // into the real one if the fd is ready after all. Counted when it
        // claims something the kernel did not.
        let index = match events.iter().position(|e| e.token == token) {
            Some(index) => index,
            None => {
                events.push(Event {
                    token,
                    readable: false,
                    writable: false,
                    hangup: false,
                    error: false,
                });
                events.len() - 1
            }
        };
        let event = &mut events[index];
        let before = (event.readable, event.writable);
        event.readable |= interest.is_readable();
        event.writable |= interest.is_writable();
        if (event.readable, event.writable) != before {
            super::imp::count_spurious_events(1);
        }
        Ok(())
    }

    fn doorbell(&self) -> Doorbell {
        self.inner.doorbell()
    }
}

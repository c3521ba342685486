//! Choosing a selector backend at run time: `GHETTO_SELECTOR=select|poll|epoll`
//! (chapter 06, the first chapter that has all three).
//!
//! Everything above `sys` holds a `Box<dyn Selector>` and never learns which
//! backend it got, which is how every later chapter runs unchanged on
//! `select`, `poll` or `epoll`. Python's `selectors.DefaultSelector` picks the
//! best one for the platform; we default to epoll and let you pick another.

use std::fmt;
use std::io;
use std::os::fd::BorrowedFd;
use std::str::FromStr;
use std::time::Duration;

use super::doorbell::Doorbell;
use super::epoll::Epoll;
use super::poll::Poll;
use super::select::Select;
use super::selector::{Event, Interest, Selector, Token};

/// The environment variable [`SelectorKind::from_env`] reads.
pub const SELECTOR_ENV: &str = "GHETTO_SELECTOR";

/// One of the three backends.
///
/// ```
/// use ghetto_loop::sys::SelectorKind;
///
/// let kind: SelectorKind = "poll".parse()?;
/// assert_eq!(kind, SelectorKind::Poll);
/// let selector = kind.open()?;
/// assert_eq!(selector.name(), "poll");
///
/// let err = "kqueue".parse::<SelectorKind>().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// assert!(err.to_string().contains("select, poll or epoll"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SelectorKind {
    /// `select(2)`, chapter 04: fds below 1,024 only.
    Select,
    /// `poll(2)`, chapter 05.
    Poll,
    /// `epoll(7)`, chapter 06: the default.
    Epoll,
}

impl SelectorKind {
    /// All three, in chapter order.
    pub const ALL: [SelectorKind; 3] = [
        SelectorKind::Select,
        SelectorKind::Poll,
        SelectorKind::Epoll,
    ];

    /// `"select"`, `"poll"` or `"epoll"`: what `GHETTO_SELECTOR` and
    /// `--selector` accept, and what [`Selector::name`] returns.
    pub const fn name(self) -> &'static str {
        match self {
            SelectorKind::Select => "select",
            SelectorKind::Poll => "poll",
            SelectorKind::Epoll => "epoll",
        }
    }

    /// The backend named by `GHETTO_SELECTOR`; epoll when it is unset or
    /// empty. Any other value is an `InvalidInput` error that names the
    /// variable, the value and the allowed values.
    pub fn from_env() -> io::Result<SelectorKind> {
        match std::env::var(SELECTOR_ENV) {
            Err(std::env::VarError::NotPresent) => Ok(SelectorKind::Epoll),
            Err(std::env::VarError::NotUnicode(value)) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{SELECTOR_ENV}={value:?} is not valid UTF-8; use select, poll or epoll"),
            )),
            Ok(value) if value.is_empty() => Ok(SelectorKind::Epoll),
            Ok(value) => value
                .parse()
                .map_err(|e: io::Error| io::Error::new(e.kind(), format!("{SELECTOR_ENV}: {e}"))),
        }
    }

    /// Opens a new selector of this kind (epoll level-triggered).
    pub fn open(self) -> io::Result<Box<dyn Selector>> {
        let selector: Box<dyn Selector> = match self {
            SelectorKind::Select => Box::new(Select::new()?),
            SelectorKind::Poll => Box::new(Poll::new()?),
            SelectorKind::Epoll => Box::new(Epoll::new()?),
        };
        // Unchanged unless the fault layer is on (see `fault.rs`).
        Ok(super::fault::wrap(selector))
    }
}

impl FromStr for SelectorKind {
    type Err = io::Error;

    fn from_str(s: &str) -> io::Result<SelectorKind> {
        SelectorKind::ALL
            .into_iter()
            .find(|kind| kind.name() == s)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("unknown selector {s:?}: use select, poll or epoll"),
                )
            })
    }
}

impl fmt::Display for SelectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A boxed selector is a selector, so code generic over `S: Selector` also
/// takes what [`SelectorKind::open`] returns.
impl<S: Selector + ?Sized> Selector for Box<S> {
    fn name(&self) -> &'static str {
        (**self).name()
    }

    fn register(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        (**self).register(fd, token, interest)
    }

    fn modify(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        (**self).modify(fd, token, interest)
    }

    fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        (**self).deregister(fd)
    }

    fn wait(&mut self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()> {
        (**self).wait(events, timeout)
    }

    fn doorbell(&self) -> Doorbell {
        (**self).doorbell()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_open_the_named_backend() -> io::Result<()> {
        for kind in SelectorKind::ALL {
            assert_eq!(kind.name().parse::<SelectorKind>()?, kind);
            assert_eq!(kind.to_string(), kind.name());
            assert_eq!(kind.open()?.name(), kind.name());
        }
        Ok(())
    }

    #[test]
    fn a_bad_name_says_what_is_allowed() {
        for bad in ["", "EPOLL", "kqueue", "epoll "] {
            let err = bad.parse::<SelectorKind>().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains("select, poll or epoll"), "{err}");
        }
    }
}

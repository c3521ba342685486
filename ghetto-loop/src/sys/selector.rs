//! The `Selector` contract: wait for any of many fds (chapter 04; every
//! backend of chapters 04-06 implements it).
//!
//! Python's `selectors` module and mio's `Poll` are this layer. The rest of
//! ghetto-loop talks to the kernel's readiness APIs only through this trait,
//! which is what lets every later chapter run on `select(2)`, `poll(2)` or
//! `epoll(7)` unchanged (`GHETTO_SELECTOR=select|poll|epoll`).
//!
//! # The contract, for every backend
//!
//! * `register(fd, token, interest)` starts watching `fd`; the `token` comes
//!   back with every event for it. Registering an fd twice is an error
//!   (`AlreadyExists`); `modify` changes the interest or token of a registered
//!   fd; `deregister` stops watching it (`NotFound` if it was not registered).
//! * Deregister an fd **before** closing it. The kernel reuses fd numbers at
//!   once, so a closed-but-registered fd would report events for whatever file
//!   gets its number next (epoll even keeps watching the old file while any
//!   duplicate of it is open).
//! * `wait(events, timeout)` clears `events`, blocks until at least one
//!   registered fd is ready, the doorbell is woken, or `timeout` passes, and then
//!   fills `events`. `None` waits forever; `Some(Duration::ZERO)` only looks.
//!   A non-zero timeout is rounded **up** to the backend's resolution (a
//!   microsecond for select; a nanosecond for poll and epoll since chapter
//!   16 waits with `ppoll` and `epoll_pwait2`), never down to a busy zero.
//! * A signal that interrupts the wait (`EINTR`) is retried inside `wait` with
//!   the time that is left, so callers never see `Interrupted`.
//! * Readiness is level-triggered: an fd that is still readable is reported
//!   again on the next wait. (Chapter 06 shows edge-triggered epoll as an
//!   option of that backend, not of the contract.)
//! * A peer that closed its side shows up as `readable`, so a reader that only
//!   looks at `readable` still reads the end-of-file. An error pending on the
//!   fd shows up as readable and/or writable, so the next I/O call returns the
//!   error itself. poll and epoll also set `hangup` and `error`; `select(2)`
//!   cannot tell either from plain readiness and never sets them. So they are
//!   hints: the truth is what `read` and `write` return.
//! * An event carries the directions you registered for. When the fd hung up
//!   or failed, poll and epoll may add the other direction as well (the kernel
//!   reports hang-ups and errors whatever was asked, and then both a read and
//!   a write return at once), so act on the directions you care about. Every
//!   event has `readable` or `writable` set.
//! * Only read interest watches for the peer's end-of-file: an fd registered
//!   `WRITABLE` alone is not woken, again and again, because its peer
//!   half-closed the connection.
//! * Registering an fd that cannot be watched is `InvalidInput`: for select,
//!   an fd at or above `FD_SETSIZE` (1,024); for epoll, a regular file.
//! * [`Token::DOORBELL`] (`usize::MAX`) is reserved: every selector owns a
//!   [`Doorbell`] whose fd it watches under that token, and it never reports it.

use std::fmt;
use std::io;
use std::os::fd::BorrowedFd;
use std::time::Duration;

use super::doorbell::Doorbell;

/// What to wait for on an fd: readable, writable, or both.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest {
    readable: bool,
    writable: bool,
}

impl Interest {
    /// Wake me when a read would not block (data, a connection, or EOF).
    pub const READABLE: Interest = Interest {
        readable: true,
        writable: false,
    };
    /// Wake me when a write would not block (room in the send buffer).
    pub const WRITABLE: Interest = Interest {
        readable: false,
        writable: true,
    };
    /// Both.
    pub const BOTH: Interest = Interest {
        readable: true,
        writable: true,
    };

    /// Whether this interest includes readability.
    pub const fn is_readable(self) -> bool {
        self.readable
    }

    /// Whether this interest includes writability.
    pub const fn is_writable(self) -> bool {
        self.writable
    }

    /// The union of two interests.
    pub const fn add(self, other: Interest) -> Interest {
        Interest {
            readable: self.readable || other.readable,
            writable: self.writable || other.writable,
        }
    }

    /// This interest without `other`, or `None` if nothing is left (an fd
    /// with no interest should be deregistered, not registered for nothing).
    pub const fn remove(self, other: Interest) -> Option<Interest> {
        let left = Interest {
            readable: self.readable && !other.readable,
            writable: self.writable && !other.writable,
        };
        if left.readable || left.writable {
            Some(left)
        } else {
            None
        }
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.readable, self.writable) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            (false, true) => f.write_str("WRITABLE"),
            // Unreachable through the public constructors, but Debug must not panic.
            (false, false) => f.write_str("(none)"),
        }
    }
}

/// A number the caller picks when registering an fd; events carry it back,
/// so the caller can find its connection without a lookup by fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub usize);

impl Token {
    /// Reserved for the selector's own [`Doorbell`]; `register` refuses it.
    pub const DOORBELL: Token = Token(usize::MAX);
}

/// One ready fd, as reported by [`Selector::wait`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// The token the fd was registered with.
    pub token: Token,
    /// A read would not block: data, a new connection, end-of-file or an error.
    pub readable: bool,
    /// A write would not block: room in the send buffer, or an error.
    pub writable: bool,
    /// The peer closed its side (or both sides are closed): a read will
    /// return end-of-file once the data already received is drained.
    /// Reported by poll and epoll; select cannot tell and leaves it `false`.
    pub hangup: bool,
    /// An error is pending on the fd; the next I/O call returns it.
    /// Reported by poll and epoll; select cannot tell and leaves it `false`.
    pub error: bool,
}

/// Waits for any of many fds: the interface every backend implements.
///
/// A selector is `Send`: a loop may be set up on one thread and run on
/// another. It is not shared: one thread waits on it, and other threads
/// reach it only through its [`Doorbell`].
pub trait Selector: fmt::Debug + Send {
    /// The backend's name: `"select"`, `"poll"` or `"epoll"`.
    fn name(&self) -> &'static str;

    /// Starts watching `fd` for `interest`; events for it carry `token`.
    ///
    /// Errors: `InvalidInput` for [`Token::DOORBELL`] (and, for `select`, for an
    /// fd at or above `FD_SETSIZE`); `AlreadyExists` if `fd` is registered.
    fn register(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()>;

    /// Changes the interest and token of a registered `fd` (`NotFound` if it
    /// is not registered).
    fn modify(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()>;

    /// Stops watching `fd` (`NotFound` if it is not registered). Call it
    /// before closing the fd.
    fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()>;

    /// Clears `events`, waits as the module docs say, and fills `events` with
    /// the ready fds (at most one event per fd per call).
    fn wait(&mut self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()>;

    /// A handle another thread can use to end a `wait` early.
    fn doorbell(&self) -> Doorbell;
}

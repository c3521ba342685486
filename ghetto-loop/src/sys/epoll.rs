//! `epoll(7)`: the kernel keeps the interest list (chapter 06).
//!
//! `select` and `poll` hand the kernel every watched fd on every call, and the
//! kernel visits each one to ask "are you ready?": the cost of one wait grows
//! with the number of fds watched, ready or not. epoll splits that work in two:
//!
//! * `epoll_ctl` tells the kernel **once** what to watch. The kernel keeps the
//!   interest list, and hooks each fd so that when it becomes ready the fd puts
//!   itself on the epoll instance's ready list.
//! * `epoll_wait` copies the ready list out. Its cost follows the fds that are
//!   ready, not the fds that are watched.
//!
//! # Level- and edge-triggered
//!
//! Level-triggered (the default, and what `select` and `poll` do): an fd that
//! is still readable is reported again by every wait, until you drain it.
//! Edge-triggered ([`Epoll::edge_triggered`], `EPOLLET`): an fd is reported
//! when it *becomes* ready, once. Read part of the data and wait again, and the
//! rest sits there unreported until more arrives. Edge-triggered saves the
//! kernel re-checking fds the program knows about, and costs the program a
//! rule: after an event, read (or write) until `EAGAIN`. Chapter 06's demo
//! shows both on the same socket.
//!
//! # Simplifications
//!
//! One wait returns at most [`READY_CAPACITY`] events; the rest stay on the
//! kernel's ready list for the next wait (tokio uses the same 1024; mio lets
//! the caller size the buffer). `EPOLLONESHOT` and `EPOLLEXCLUSIVE`, which
//! matter when several threads wait on one epoll, are left out: ghetto-loop
//! has one thread per loop.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;
use std::time::Duration;

use super::doorbell::Doorbell;
use super::registration::{already_registered, check_token, not_registered};
use super::selector::{Event, Interest, Selector, Token};
use super::timeout::{millis_rounded_up, timespec, wait_with_retries};

/// The most events one [`Epoll::wait`] returns.
pub const READY_CAPACITY: usize = 1024;

/// An epoll instance: the [`Selector`] of chapter 06, and ghetto-loop's
/// default (`GHETTO_SELECTOR` unset).
///
/// ```
/// use ghetto_loop::sys::{Epoll, Interest, Selector, Socket, Token};
/// use std::os::fd::AsFd;
/// use std::time::Duration;
///
/// let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 16)?;
/// let mut epoll = Epoll::new()?;
/// epoll.register(listener.as_fd(), Token(0), Interest::READABLE)?;
/// let _client = Socket::connect(listener.local_addr()?)?;
///
/// let mut events = Vec::new();
/// epoll.wait(&mut events, Some(Duration::from_secs(5)))?;
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].token, Token(0));
/// assert!(events[0].readable, "a listener is readable when a connection waits");
/// epoll.deregister(listener.as_fd())?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Epoll {
    /// The epoll instance (`EPOLL_CLOEXEC`). The kernel's interest list and
    /// ready list live behind this fd, and closing it frees both.
    epfd: OwnedFd,
    /// Another thread's way to end a wait; its eventfd is registered under
    /// [`Token::DOORBELL`], edge-triggered whatever `trigger` says, and is
    /// never read.
    doorbell: Doorbell,
    /// How every fd registered by the user is watched.
    trigger: Trigger,
    /// Where `epoll_wait` writes the ready events. Its length is fixed at
    /// [`READY_CAPACITY`] and every entry is initialised, so the kernel can
    /// write any prefix of it.
    ready: Vec<libc::epoll_event>,
    /// Whether to wait with `epoll_pwait2` (a timeout to the nanosecond,
    /// Linux 5.11 and later; chapter 16's timers need it) rather than
    /// `epoll_wait` (whole milliseconds, rounded up). Turned off for good the
    /// first time the kernel answers `ENOSYS`: then a 1.5 ms timer waits
    /// 2 ms, and sub-millisecond timers are up to a millisecond late.
    precise: bool,
}

/// Whether an fd is reported while it is ready, or when it becomes ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// Reported by every wait while ready (the default).
    Level,
    /// Reported once per change to ready (`EPOLLET`).
    Edge,
}

impl Epoll {
    /// A new, level-triggered epoll instance.
    pub fn new() -> io::Result<Epoll> {
        Epoll::with_trigger(Trigger::Level)
    }

    /// A new epoll instance that watches every fd edge-triggered (`EPOLLET`):
    /// after an event, the caller must read or write until `WouldBlock`, or it
    /// will not hear about that fd again until more data (or room) arrives.
    /// Chapter 06 shows why; the rest of ghetto-loop uses [`Epoll::new`].
    pub fn edge_triggered() -> io::Result<Epoll> {
        Epoll::with_trigger(Trigger::Edge)
    }

    /// Whether this instance was made by [`Epoll::edge_triggered`].
    pub fn is_edge_triggered(&self) -> bool {
        self.trigger == Trigger::Edge
    }

    fn with_trigger(trigger: Trigger) -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes only flags.
        let fd = syscall!(epoll_create1(libc::EPOLL_CLOEXEC))?;
        // SAFETY: epoll_create1 just returned this fd and nothing else owns it.
        let epfd = unsafe { OwnedFd::from_raw_fd(fd) };
        let epoll = Epoll {
            epfd,
            doorbell: Doorbell::new()?,
            trigger,
            ready: vec![libc::epoll_event { events: 0, u64: 0 }; READY_CAPACITY],
            precise: true,
        };
        // Edge-triggered in either mode: every ring is a write, every write
        // an edge, and the wait that reports it has nothing to undo. (Level-
        // triggered, the eventfd would stay readable until read: a `read(2)`
        // per wake-up, which select and poll cannot avoid.)
        let doorbell_fd = epoll.doorbell.as_fd().as_raw_fd();
        epoll.ctl(
            libc::EPOLL_CTL_ADD,
            doorbell_fd,
            Some(libc::epoll_event {
                events: (libc::EPOLLIN | libc::EPOLLET) as u32,
                u64: Token::DOORBELL.0 as u64,
            }),
        )?;
        Ok(epoll)
    }

    /// The `events` mask `epoll_ctl` is given for `interest`.
    fn flags(&self, interest: Interest) -> u32 {
        let mut flags = 0;
        if interest.is_readable() {
            // EPOLLRDHUP: also tell us when the peer shuts down its sending
            // side, so a half-closed connection shows up as `hangup`. Only
            // with read interest: a writer must not be woken, again and again,
            // by an end-of-file it is not going to read.
            flags |= libc::EPOLLIN | libc::EPOLLRDHUP;
        }
        if interest.is_writable() {
            flags |= libc::EPOLLOUT;
        }
        if self.trigger == Trigger::Edge {
            flags |= libc::EPOLLET;
        }
        // EPOLLHUP and EPOLLERR need no asking: the kernel always reports them.
        flags as u32
    }

    /// The doorbell's eventfd is ours: to the caller it is not registered.
    fn check_not_waker(&self, fd: RawFd) -> io::Result<()> {
        if fd == self.doorbell.as_fd().as_raw_fd() {
            return Err(not_registered("epoll", fd));
        }
        Ok(())
    }

    /// `epoll_ctl(op, fd, event)`, with the errors the contract promises.
    fn ctl(&self, op: libc::c_int, fd: RawFd, event: Option<libc::epoll_event>) -> io::Result<()> {
        let mut event = event;
        let event_ptr = match event.as_mut() {
            Some(e) => e as *mut libc::epoll_event,
            // EPOLL_CTL_DEL ignores the event (Linux >= 2.6.9 accepts null).
            None => ptr::null_mut(),
        };
        // SAFETY: `epfd` is our epoll fd; `fd` is borrowed by the caller for
        // the duration of the call; `event_ptr` is null (DEL only) or points
        // to an epoll_event that lives until the call returns. The kernel
        // copies the event; it keeps no pointer to it.
        match syscall!(epoll_ctl(self.epfd.as_raw_fd(), op, fd, event_ptr)) {
            Ok(_) => Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {
                Err(already_registered("epoll", fd))
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Err(not_registered("epoll", fd)),
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "epoll cannot watch fd {fd}: it is a regular file or directory, which is \
                     always ready; read it directly (or in a thread pool, chapter 19)"
                ),
            )),
            Err(e) => Err(e),
        }
    }
}

impl Selector for Epoll {
    fn name(&self) -> &'static str {
        "epoll"
    }

    fn register(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        let event = libc::epoll_event {
            events: self.flags(interest),
            u64: token.0 as u64,
        };
        self.ctl(libc::EPOLL_CTL_ADD, fd.as_raw_fd(), Some(event))
    }

    fn modify(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        self.check_not_waker(fd.as_raw_fd())?;
        let event = libc::epoll_event {
            events: self.flags(interest),
            u64: token.0 as u64,
        };
        // In edge-triggered mode, MOD also re-arms: an fd that is ready now
        // is reported by the next wait even though no new edge came.
        self.ctl(libc::EPOLL_CTL_MOD, fd.as_raw_fd(), Some(event))
    }

    fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.check_not_waker(fd.as_raw_fd())?;
        self.ctl(libc::EPOLL_CTL_DEL, fd.as_raw_fd(), None)
    }

    fn wait(&mut self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        let (epfd, precise) = (self.epfd.as_raw_fd(), &mut self.precise);
        let (buf, len) = (self.ready.as_mut_ptr(), self.ready.len() as libc::c_int);
        let ready = wait_with_retries(timeout, |left| {
            if *precise {
                let ts = timespec(left);
                let ts_ptr = ts.as_ref().map_or(ptr::null(), |ts| ts as *const _);
                // SAFETY: `buf` holds `len` initialised epoll_events, so the
                // kernel writes inside it; `ts_ptr` is null or points at `ts`,
                // alive for the call; a null signal mask changes nothing.
                match syscall!(epoll_pwait2(epfd, buf, len, ts_ptr, ptr::null())) {
                    Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => *precise = false,
                    other => return other,
                }
            }
            // SAFETY: as above; the timeout is whole milliseconds.
            syscall!(epoll_wait(epfd, buf, len, millis_rounded_up(left)))
        })?;
        for raw in &self.ready[..ready] {
            // epoll_event is packed on x86-64: copy the fields out by value.
            let (flags, data) = (raw.events, raw.u64);
            let token = Token(data as usize);
            if token == Token::DOORBELL {
                // The wait has ended, which is all a ring asks. Edge-triggered,
                // the eventfd is not reported again until the next ring.
                continue;
            }
            events.push(event_from(token, flags));
        }
        Ok(())
    }

    fn doorbell(&self) -> Doorbell {
        self.doorbell.clone()
    }
}

/// Translates the kernel's `EPOLL*` bits into the contract's [`Event`].
fn event_from(token: Token, flags: u32) -> Event {
    let has = |bit: libc::c_int| flags & bit as u32 != 0;
    let hup = has(libc::EPOLLHUP);
    let err = has(libc::EPOLLERR);
    Event {
        token,
        // End-of-file and errors are readable: a read returns at once (0, or
        // the error). A pipe whose writer is gone reports only EPOLLHUP.
        readable: has(libc::EPOLLIN) || has(libc::EPOLLRDHUP) || hup || err,
        // With both directions shut down or an error pending, a write fails
        // at once instead of blocking: writable too.
        writable: has(libc::EPOLLOUT) || hup || err,
        hangup: has(libc::EPOLLRDHUP) || hup,
        error: err,
    }
}

impl fmt::Debug for Epoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Epoll")
            .field("epfd", &self.epfd)
            .field("trigger", &self.trigger)
            .field("ready_capacity", &self.ready.len())
            .field("precise", &self.precise)
            .finish_non_exhaustive()
    }
}

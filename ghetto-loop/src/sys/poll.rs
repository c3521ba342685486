//! `poll(2)`: an array of fds instead of a bitmap, so no fd limit (chapter 05).
//!
//! `select` describes the watched fds as bitmaps of a fixed 1,024 bits, and
//! overwrites them with its answer. `poll` takes an array of
//! `struct pollfd { fd, events, revents }`: any fd number fits, the question
//! (`events`) and the answer (`revents`) have fields of their own, and so the
//! array survives the call and is reused as it is, wait after wait.
//!
//! What `poll` does not fix: every call still copies the whole array into the
//! kernel, the kernel still asks every fd whether it is ready, and we still
//! scan the whole array for the few with a non-zero `revents`. One wait costs
//! O(fds watched), however few are ready. Chapter 05's demo times that, and
//! chapter 06's epoll removes it.
//!
//! # Simplifications
//!
//! An fd registered twice is refused (as epoll does); C programs sometimes put
//! one fd in the array twice, once per direction. `POLLPRI` (urgent data) is
//! not watched.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use super::doorbell::Doorbell;
use super::registration::{already_registered, check_token, not_registered};
use super::selector::{Event, Interest, Selector, Token};
use super::timeout::{timespec, wait_with_retries};

/// A `poll(2)` selector: the backend of chapter 05.
///
/// ```
/// use ghetto_loop::sys::{Interest, Poll, Selector, Socket, Token};
/// use std::os::fd::AsFd;
/// use std::time::Duration;
///
/// let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 16)?;
/// let mut poll = Poll::new()?;
/// poll.register(listener.as_fd(), Token(7), Interest::READABLE)?;
/// let _client = Socket::connect(listener.local_addr()?)?;
///
/// let mut events = Vec::new();
/// poll.wait(&mut events, Some(Duration::from_secs(5)))?;
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].token, Token(7));
/// assert!(events[0].readable);
/// poll.deregister(listener.as_fd())?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Poll {
    /// The array `poll(2)` reads and answers in place. Entry 0 is the doorbell;
    /// the others are registered fds, in no particular order. Kept between
    /// waits and edited by `register`/`modify`/`deregister`, never rebuilt.
    fds: Vec<libc::pollfd>,
    /// `tokens[i]` is the token of `fds[i]` (same length, same order).
    tokens: Vec<Token>,
    /// Where each fd sits in `fds`, so that `modify` and `deregister` need
    /// no scan. The doorbell is in it too (at 0), so registering the doorbell's fd
    /// is refused as a duplicate, as the other backends do.
    index: HashMap<RawFd, usize>,
    /// Another thread's way to end a wait; watched at `fds[0]`.
    doorbell: Doorbell,
}

impl Poll {
    /// A new poll selector, watching only its own doorbell.
    pub fn new() -> io::Result<Poll> {
        let doorbell = Doorbell::new()?;
        let doorbell_entry = libc::pollfd {
            fd: doorbell.as_fd().as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        Ok(Poll {
            index: HashMap::from([(doorbell_entry.fd, 0)]),
            fds: vec![doorbell_entry],
            tokens: vec![Token::DOORBELL],
            doorbell,
        })
    }

    /// How many fds the user registered (the doorbell not counted).
    pub fn len(&self) -> usize {
        self.fds.len() - 1
    }

    /// Whether no fd is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where a user-registered `fd` sits in `fds` (the doorbell's entry, 0, is
    /// not the user's to modify or deregister).
    fn position(&self, fd: RawFd) -> io::Result<usize> {
        match self.index.get(&fd) {
            Some(&i) if i != 0 => Ok(i),
            _ => Err(not_registered("poll", fd)),
        }
    }
}

/// The `events` field for `interest`.
fn poll_events(interest: Interest) -> libc::c_short {
    let mut events = 0;
    if interest.is_readable() {
        // POLLRDHUP (Linux): also report the peer shutting down its sending
        // side, so a half-closed connection shows up as `hangup`. Only with
        // read interest, so an end-of-file never wakes a writer again and again.
        events |= libc::POLLIN | libc::POLLRDHUP;
    }
    if interest.is_writable() {
        events |= libc::POLLOUT;
    }
    // POLLHUP, POLLERR and POLLNVAL need no asking: poll always reports them.
    events
}

impl Selector for Poll {
    fn name(&self) -> &'static str {
        "poll"
    }

    fn register(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        let fd = fd.as_raw_fd();
        if self.index.contains_key(&fd) {
            return Err(already_registered("poll", fd));
        }
        self.index.insert(fd, self.fds.len());
        self.fds.push(libc::pollfd {
            fd,
            events: poll_events(interest),
            revents: 0,
        });
        self.tokens.push(token);
        Ok(())
    }

    fn modify(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        let i = self.position(fd.as_raw_fd())?;
        self.fds[i].events = poll_events(interest);
        self.tokens[i] = token;
        Ok(())
    }

    fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        let i = self.position(fd)?;
        self.index.remove(&fd);
        // O(1): move the last entry into the hole, and tell the index. The
        // doorbell stays at 0: only entries from 1 on are ever removed.
        self.fds.swap_remove(i);
        self.tokens.swap_remove(i);
        if let Some(moved) = self.fds.get(i) {
            self.index.insert(moved.fd, i);
        }
        Ok(())
    }

    fn wait(&mut self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        let ready = wait_with_retries(timeout, |left| {
            // ppoll(2) is poll(2) with a timeout to the nanosecond
            // (chapter 16's timers); the null signal mask changes nothing.
            let ts = timespec(left);
            let ts_ptr = ts.as_ref().map_or(std::ptr::null(), |ts| ts as *const _);
            // SAFETY: `fds` is a valid array of `fds.len()` pollfds; the
            // kernel reads `fd`/`events` and writes `revents`, nothing else;
            // `ts_ptr` is null or points at `ts`, alive for the call.
            syscall!(ppoll(
                self.fds.as_mut_ptr(),
                self.fds.len() as libc::nfds_t,
                ts_ptr,
                std::ptr::null()
            ))
        })?;
        // poll says how many entries have news, not which: find them by
        // walking the array. This walk, like the kernel's, is O(fds watched).
        let mut left = ready;
        for (entry, &token) in self.fds.iter().zip(&self.tokens) {
            if left == 0 {
                break;
            }
            if entry.revents == 0 {
                continue;
            }
            left -= 1;
            if token == Token::DOORBELL {
                // Reset the eventfd, or every later wait would return at once.
                self.doorbell.drain()?;
                continue;
            }
            events.push(event_from(token, entry.revents));
        }
        Ok(())
    }

    fn doorbell(&self) -> Doorbell {
        self.doorbell.clone()
    }
}

/// Translates the kernel's `POLL*` bits into the contract's [`Event`].
fn event_from(token: Token, revents: libc::c_short) -> Event {
    let has = |bit: libc::c_short| revents & bit != 0;
    let hup = has(libc::POLLHUP);
    // POLLNVAL: the fd is not open. The caller closed it before deregistering
    // it, which breaks the contract; report it as an error, loudly, every wait.
    let err = has(libc::POLLERR) || has(libc::POLLNVAL);
    Event {
        token,
        // End-of-file and errors are readable: a read returns at once.
        readable: has(libc::POLLIN) || has(libc::POLLRDHUP) || hup || err,
        // With both directions shut down or an error pending, a write fails at
        // once instead of blocking: writable too.
        writable: has(libc::POLLOUT) || hup || err,
        hangup: has(libc::POLLRDHUP) || hup,
        error: err,
    }
}

//! `select(2)`: wait for any of many fds, described as bitmaps (chapter 04).
//!
//! The oldest readiness API (4.2BSD, 1983). The question is three bitmaps of
//! fd numbers, `fd_set`s: "tell me when any of these is readable / writable /
//! has urgent data", plus a timeout. The kernel answers by overwriting the
//! same bitmaps with the fds that are ready. Three consequences shape this
//! file:
//!
//! * The answer destroys the question, so the sets are **rebuilt** from our
//!   own list of registered fds before every call.
//! * The kernel checks every fd up to the highest one, and we test every
//!   registered fd's bit afterwards: O(fds watched) per wait, twice.
//! * An `fd_set` is a fixed array of [`FD_SETSIZE`] (1,024) bits. `FD_SET` on
//!   fd 1,024 or above writes past its end: undefined behaviour in C, memory
//!   corruption in practice. So `register` refuses such an fd with
//!   `InvalidInput` before it can get near a set.
//!
//! # Simplifications
//!
//! The third set, "exceptional conditions" (TCP urgent data), is never used.
//! select cannot tell a hang-up or an error from plain readiness: a closed
//! peer is just "readable" (the read returns 0), a failed socket is readable
//! or writable (the call returns the error). So events from this backend never
//! set `hangup` or `error`.

use std::collections::BTreeMap;
use std::io;
use std::mem;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::ptr;
use std::time::Duration;

use super::doorbell::Doorbell;
use super::registration::{already_registered, check_token, not_registered};
use super::selector::{Event, Interest, Selector, Token};
use super::timeout::{timeval_rounded_up, wait_with_retries};

/// The number of bits in an `fd_set`: `select` can watch fds `0..FD_SETSIZE`.
pub const FD_SETSIZE: usize = libc::FD_SETSIZE;

/// A `select(2)` selector: the backend of chapter 04.
///
/// ```
/// use ghetto_loop::sys::{Interest, Select, Selector, Socket, Token};
/// use std::os::fd::AsFd;
/// use std::time::Duration;
///
/// let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 16)?;
/// let mut select = Select::new()?;
/// select.register(listener.as_fd(), Token(1), Interest::READABLE)?;
/// let _client = Socket::connect(listener.local_addr()?)?;
///
/// let mut events = Vec::new();
/// select.wait(&mut events, Some(Duration::from_secs(5)))?;
/// assert_eq!(events.len(), 1);
/// assert_eq!(events[0].token, Token(1));
/// assert!(events[0].readable);
/// select.deregister(listener.as_fd())?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Select {
    /// Every watched fd, the doorbell's included (under [`Token::DOORBELL`]), in fd
    /// order. Invariant: every key is in `0..FD_SETSIZE`, which is what makes
    /// `FD_SET`/`FD_ISSET` on it sound. The last key is the highest fd, which
    /// `select` wants (plus one) as its first argument.
    registered: BTreeMap<RawFd, Registration>,
    /// Another thread's way to end a wait.
    doorbell: Doorbell,
}

/// What was asked for one fd.
#[derive(Debug, Clone, Copy)]
struct Registration {
    /// Comes back in the fd's events.
    token: Token,
    /// Which of the two sets the fd goes in.
    interest: Interest,
}

impl Select {
    /// A new select selector, watching only its own doorbell.
    ///
    /// Fails with `InvalidInput` if even the doorbell's eventfd is numbered
    /// 1,024 or above (the process already has that many fds open).
    pub fn new() -> io::Result<Select> {
        let doorbell = Doorbell::new()?;
        let doorbell_fd = doorbell.as_fd().as_raw_fd();
        check_fits(doorbell_fd)?;
        let mut registered = BTreeMap::new();
        registered.insert(
            doorbell_fd,
            Registration {
                token: Token::DOORBELL,
                interest: Interest::READABLE,
            },
        );
        Ok(Select {
            registered,
            doorbell,
        })
    }
}

/// Refuses an fd that does not fit in an `fd_set`.
fn check_fits(fd: RawFd) -> io::Result<()> {
    // A BorrowedFd is never negative, so only the upper bound can fail.
    if fd as usize >= FD_SETSIZE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "select() can only watch fds below {FD_SETSIZE} (FD_SETSIZE), and this is fd {fd}; \
                 poll or epoll (chapters 05 and 06) have no such limit"
            ),
        ));
    }
    Ok(())
}

/// An `fd_set` with no fd in it.
fn empty_set() -> libc::fd_set {
    // SAFETY: an fd_set is an array of integers, so all zeroes is a valid
    // value, and it is exactly what FD_ZERO writes: the empty set.
    unsafe { mem::zeroed() }
}

impl Selector for Select {
    fn name(&self) -> &'static str {
        "select"
    }

    fn register(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        let fd = fd.as_raw_fd();
        check_fits(fd)?;
        if self.registered.contains_key(&fd) {
            return Err(already_registered("select", fd));
        }
        self.registered.insert(fd, Registration { token, interest });
        Ok(())
    }

    fn modify(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        check_token(token)?;
        let fd = fd.as_raw_fd();
        match self.registered.get_mut(&fd) {
            // The doorbell's fd is ours, not the caller's to change.
            Some(reg) if reg.token != Token::DOORBELL => {
                *reg = Registration { token, interest };
                Ok(())
            }
            _ => Err(not_registered("select", fd)),
        }
    }

    fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        match self.registered.get(&fd) {
            Some(reg) if reg.token != Token::DOORBELL => {
                self.registered.remove(&fd);
                Ok(())
            }
            _ => Err(not_registered("select", fd)),
        }
    }

    fn wait(&mut self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()> {
        events.clear();
        // The doorbell is always registered, so there is a highest fd.
        let highest = self.registered.keys().next_back().copied().unwrap_or(0);
        let mut read_set = empty_set();
        let mut write_set = empty_set();
        let answer = wait_with_retries(timeout, |left| {
            // select overwrites the sets with its answer (and leaves them
            // undefined after EINTR), so they are rebuilt before every call:
            // one FD_SET per registered fd, every turn.
            read_set = empty_set();
            write_set = empty_set();
            for (&fd, reg) in &self.registered {
                debug_assert!((fd as usize) < FD_SETSIZE);
                if reg.interest.is_readable() {
                    // SAFETY: fd < FD_SETSIZE (the invariant of `registered`),
                    // so its bit lies inside the set.
                    unsafe { libc::FD_SET(fd, &mut read_set) };
                }
                if reg.interest.is_writable() {
                    // SAFETY: as above.
                    unsafe { libc::FD_SET(fd, &mut write_set) };
                }
            }
            // Microseconds, rounded up; a null pointer waits forever. Linux
            // writes the time left into it, so it too is made fresh each call.
            let mut tv = left.map(timeval_rounded_up);
            let tv_ptr = tv
                .as_mut()
                .map_or(ptr::null_mut(), |tv| tv as *mut libc::timeval);
            // SAFETY: both sets and `tv` are valid for reads and writes for
            // the duration of the call; the kernel looks only at fds below
            // `highest + 1` <= FD_SETSIZE, all inside the sets.
            syscall!(select(
                highest + 1,
                &mut read_set,
                &mut write_set,
                ptr::null_mut(),
                tv_ptr
            ))
        });
        if let Err(e) = answer {
            if e.raw_os_error() == Some(libc::EBADF) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "select: a registered fd is not open; deregister fds before closing them",
                ));
            }
            return Err(e);
        }
        // The answer is in the bits: test each registered fd's, in fd order.
        for (&fd, reg) in &self.registered {
            // SAFETY: fd < FD_SETSIZE, as above.
            let readable = unsafe { libc::FD_ISSET(fd, &read_set) };
            // SAFETY: as above.
            let writable = unsafe { libc::FD_ISSET(fd, &write_set) };
            if !readable && !writable {
                continue;
            }
            if reg.token == Token::DOORBELL {
                // Reset the eventfd, or every later wait would return at once.
                self.doorbell.drain()?;
                continue;
            }
            events.push(Event {
                token: reg.token,
                readable,
                writable,
                // select cannot tell these apart from readiness (module docs).
                hangup: false,
                error: false,
            });
        }
        Ok(())
    }

    fn doorbell(&self) -> Doorbell {
        self.doorbell.clone()
    }
}

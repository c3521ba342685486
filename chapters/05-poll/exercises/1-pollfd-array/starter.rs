// Exercise 05-1: a poll(2) selector that keeps its array. See README.md.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

/// A readability-only selector on `poll(2)`.
#[derive(Debug, Default)]
pub struct MiniPoll {
    /// What `poll` is given: one entry per registered fd, kept between waits.
    fds: Vec<libc::pollfd>,
    /// `tokens[i]` is the token of `fds[i]`.
    tokens: Vec<usize>,
    /// Where each registered fd sits in `fds`.
    index: HashMap<RawFd, usize>,
}

impl MiniPoll {
    /// An empty selector.
    pub fn new() -> MiniPoll {
        MiniPoll::default()
    }

    /// How many fds are registered.
    pub fn len(&self) -> usize {
        self.fds.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.fds.is_empty()
    }

    /// Watches `fd` for readability; its events carry `token`.
    /// `AlreadyExists` if it is registered.
    pub fn register(&mut self, fd: BorrowedFd<'_>, token: usize) -> io::Result<()> {
        todo!("push a pollfd {{ fd, events: POLLIN, revents: 0 }}, its token, its index")
    }

    /// Stops watching `fd`, in O(1). `NotFound` if it is not registered.
    pub fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        todo!("swap_remove its entry and fix the index of the entry that moved")
    }

    /// Waits up to `timeout` and returns the tokens of the ready fds.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<Vec<usize>> {
        todo!("call poll(&mut self.fds, ...) and collect the tokens whose revents != 0")
    }
}

/// `poll(2)` on `fds`: the number of entries with a non-zero `revents`.
/// Waits at most `timeout_ms` milliseconds (-1: forever).
pub fn poll(fds: &mut [libc::pollfd], timeout_ms: libc::c_int) -> io::Result<usize> {
    loop {
        // SAFETY: `fds` is a valid, writable array of `fds.len()` pollfds.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        // A signal interrupted the wait. (A real selector would wait only
        // the time that is left; see ghetto-loop's sys/timeout.rs.)
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

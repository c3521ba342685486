// Exercise 05-1, the reference solution: a poll(2) selector that keeps its array.

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
        let fd = fd.as_raw_fd();
        if self.index.contains_key(&fd) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("fd {fd} is already registered"),
            ));
        }
        self.index.insert(fd, self.fds.len());
        self.fds.push(libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        });
        self.tokens.push(token);
        Ok(())
    }

    /// Stops watching `fd`, in O(1). `NotFound` if it is not registered.
    pub fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        let i = self.index.remove(&fd).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("fd {fd} is not registered"),
            )
        })?;
        self.fds.swap_remove(i);
        self.tokens.swap_remove(i);
        // The old last entry now sits at `i`: tell the index.
        if let Some(moved) = self.fds.get(i) {
            self.index.insert(moved.fd, i);
        }
        Ok(())
    }

    /// Waits up to `timeout` and returns the tokens of the ready fds.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<Vec<usize>> {
        // Whole milliseconds, rounded up: 0.1 ms must not become 0.
        let ms = timeout.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as libc::c_int;
        let ready = poll(&mut self.fds, ms)?;
        Ok(self
            .fds
            .iter()
            .zip(&self.tokens)
            .filter(|(entry, _)| entry.revents != 0)
            .map(|(_, &token)| token)
            .take(ready)
            .collect())
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

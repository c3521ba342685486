// Exercise 04-1: an fd_set, the bitmap select() reads and writes. See README.md.

use std::io;
use std::os::fd::RawFd;

/// How many fds an `fd_set` has bits for: fds `0..FD_SETSIZE`.
pub const FD_SETSIZE: usize = 1024;

/// A set of fd numbers as a bitmap: bit `n` of the set stands for fd `n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdSet {
    /// `FD_SETSIZE` bits: fd `n` is bit `n % 64` of word `n / 64`.
    words: [u64; FD_SETSIZE / 64],
}

impl FdSet {
    /// The empty set (what C's `FD_ZERO` makes).
    pub fn new() -> FdSet {
        FdSet {
            words: [0; FD_SETSIZE / 64],
        }
    }

    /// Adds `fd` (C's `FD_SET`), or refuses it with `InvalidInput` if it is
    /// outside `0..FD_SETSIZE`.
    pub fn insert(&mut self, fd: RawFd) -> io::Result<()> {
        todo!("set fd's bit, or refuse an fd with no bit")
    }

    /// Removes `fd` (C's `FD_CLR`); an fd with no bit is not there anyway.
    pub fn remove(&mut self, fd: RawFd) {
        todo!("clear fd's bit")
    }

    /// Whether `fd` is in the set (C's `FD_ISSET`).
    pub fn contains(&self, fd: RawFd) -> bool {
        todo!("test fd's bit")
    }

    /// The fds in the set, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = RawFd> + '_ {
        std::iter::from_fn(|| todo!("yield every fd whose bit is set, lowest first"))
    }

    /// The highest fd in the set, if any: `select` wants it plus one.
    pub fn highest(&self) -> Option<RawFd> {
        todo!("the last fd of iter(), or faster")
    }
}

impl Default for FdSet {
    fn default() -> FdSet {
        FdSet::new()
    }
}

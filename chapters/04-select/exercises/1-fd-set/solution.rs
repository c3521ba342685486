// Exercise 04-1, the reference solution: an fd_set in safe Rust.

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
        let (word, mask) = bit(fd).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("fd {fd} does not fit in an fd_set: only fds 0 to {} do (FD_SETSIZE is {FD_SETSIZE})", FD_SETSIZE - 1),
            )
        })?;
        self.words[word] |= mask;
        Ok(())
    }

    /// Removes `fd` (C's `FD_CLR`); an fd with no bit is not there anyway.
    pub fn remove(&mut self, fd: RawFd) {
        if let Some((word, mask)) = bit(fd) {
            self.words[word] &= !mask;
        }
    }

    /// Whether `fd` is in the set (C's `FD_ISSET`).
    pub fn contains(&self, fd: RawFd) -> bool {
        bit(fd).is_some_and(|(word, mask)| self.words[word] & mask != 0)
    }

    /// The fds in the set, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = RawFd> + '_ {
        (0..FD_SETSIZE as RawFd).filter(move |&fd| self.contains(fd))
    }

    /// The highest fd in the set, if any: `select` wants it plus one.
    pub fn highest(&self) -> Option<RawFd> {
        // From the top word down: the first non-zero word holds the answer,
        // and its leading zeros say where in the word it is.
        self.words.iter().enumerate().rev().find_map(|(i, &w)| {
            (w != 0).then(|| (i * 64 + 63 - w.leading_zeros() as usize) as RawFd)
        })
    }
}

impl Default for FdSet {
    fn default() -> FdSet {
        FdSet::new()
    }
}

/// Where fd's bit is: its word and the mask within it, or `None` if it has no bit.
fn bit(fd: RawFd) -> Option<(usize, u64)> {
    let fd = usize::try_from(fd).ok().filter(|&fd| fd < FD_SETSIZE)?;
    Some((fd / 64, 1u64 << (fd % 64)))
}

//! Readers and writers: which callback runs when an fd is ready (chapter 11).
//!
//! `add_reader(fd, cb)` means "every time `fd` is readable, queue `cb`". The
//! table below maps each fd to at most one reader and one writer, and keeps
//! the selector's interest in step with it: register the fd when its first
//! callback comes, `modify` when the set of callbacks changes, deregister
//! when the last one goes. Adding a second reader replaces the first (the
//! old one is cancelled), as in asyncio.
//!
//! The selector token of an fd is the fd number itself. The kernel never
//! gives two open files the same number, so a token finds its entry with one
//! index into a `Vec`, no hashing. That is also why the contract says
//! "remove the callbacks before closing the fd": the number is reused by the
//! next file the process opens.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::rc::Rc;

use super::handle::Handle;
use super::ready::Runnable;
use crate::sys::{Event, Interest, Selector, Token};

/// Which callback of an fd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    fn interest(self) -> Interest {
        match self {
            Direction::Read => Interest::READABLE,
            Direction::Write => Interest::WRITABLE,
        }
    }
}

/// Every fd that has a reader or a writer, indexed by fd number.
#[derive(Default)]
pub(crate) struct IoTable {
    /// `by_fd[fd]` is `Some` exactly while `fd` is registered with the
    /// selector, which is exactly while it has a reader or a writer.
    by_fd: Vec<Option<Callbacks>>,
    /// How many entries of `by_fd` are `Some`.
    registered: usize,
}

/// The callbacks of one fd; at least one is `Some`.
#[derive(Default)]
struct Callbacks {
    reader: Option<Handle>,
    writer: Option<Handle>,
}

impl Callbacks {
    fn slot(&mut self, direction: Direction) -> &mut Option<Handle> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }

    /// What the selector should watch for, or `None` for nothing.
    fn interest(&self) -> Option<Interest> {
        match (&self.reader, &self.writer) {
            (Some(_), Some(_)) => Some(Interest::BOTH),
            (Some(_), None) => Some(Interest::READABLE),
            (None, Some(_)) => Some(Interest::WRITABLE),
            (None, None) => None,
        }
    }
}

impl IoTable {
    /// Makes `handle` the reader (or writer) of `fd`, and tells the selector.
    /// Returns the callback it replaces, which the caller cancels once it no
    /// longer borrows the loop. On error nothing changed.
    pub(crate) fn set(
        &mut self,
        selector: &mut dyn Selector,
        fd: BorrowedFd<'_>,
        direction: Direction,
        handle: Handle,
    ) -> io::Result<Option<Handle>> {
        // A BorrowedFd is never negative, so this is a valid index.
        let index = fd.as_raw_fd() as usize;
        if self.by_fd.len() <= index {
            self.by_fd.resize_with(index + 1, || None);
        }
        let before = self.by_fd[index].as_ref().and_then(Callbacks::interest);
        let after = match before {
            Some(before) => before.add(direction.interest()),
            None => direction.interest(),
        };
        match before {
            None => selector.register(fd, Token(index), after)?,
            Some(before) if before != after => selector.modify(fd, Token(index), after)?,
            Some(_) => {}
        }
        let entry = self.by_fd[index].get_or_insert_with(|| {
            self.registered += 1;
            Callbacks::default()
        });
        Ok(entry.slot(direction).replace(handle))
    }

    /// Removes the reader (or writer) of `fd` and tells the selector.
    /// Returns the removed callback (`None` if there was none), which the
    /// caller cancels once it no longer borrows the loop, and the selector's
    /// answer. The table forgets the callback even if the selector fails
    /// (say the fd was closed first, against the contract), so a bad fd
    /// cannot leave a callback that is never removed.
    pub(crate) fn remove(
        &mut self,
        selector: &mut dyn Selector,
        fd: BorrowedFd<'_>,
        direction: Direction,
    ) -> (Option<Handle>, io::Result<()>) {
        let index = fd.as_raw_fd() as usize;
        let Some(entry) = self.by_fd.get_mut(index).and_then(Option::as_mut) else {
            return (None, Ok(()));
        };
        let Some(removed) = entry.slot(direction).take() else {
            return (None, Ok(()));
        };
        let result = match entry.interest() {
            Some(left) => selector.modify(fd, Token(index), left),
            None => {
                self.by_fd[index] = None;
                self.registered -= 1;
                selector.deregister(fd)
            }
        };
        (Some(removed), result)
    }

    /// Queues the callbacks that `event` makes runnable; returns how many.
    pub(crate) fn dispatch(&self, event: &Event, ready: &mut VecDeque<Rc<dyn Runnable>>) -> usize {
        let Some(Some(entry)) = self.by_fd.get(event.token.0) else {
            // Cannot happen with a selector that keeps its contract: events
            // are dispatched right after the wait, before any callback could
            // remove an fd. A stale token is ignored, not a panic.
            return 0;
        };
        let mut queued = 0;
        // The contract reports a hang-up or an error as readable and/or
        // writable too; the extra checks keep a reader from missing an EOF
        // if a backend forgot.
        if event.readable || event.hangup || event.error {
            if let Some(reader) = &entry.reader {
                ready.push_back(reader.runnable());
                queued += 1;
            }
        }
        if event.writable || event.error {
            if let Some(writer) = &entry.writer {
                ready.push_back(writer.runnable());
                queued += 1;
            }
        }
        queued
    }

    /// How many fds have a reader or a writer.
    pub(crate) fn len(&self) -> usize {
        self.registered
    }

    /// How many fds have a reader, and how many have a writer.
    pub(crate) fn counts(&self) -> (usize, usize) {
        self.by_fd.iter().flatten().fold((0, 0), |(r, w), c| {
            (
                r + c.reader.is_some() as usize,
                w + c.writer.is_some() as usize,
            )
        })
    }

    /// Empties the table (the loop is closing) without telling the selector,
    /// which is about to be dropped; the caller drops the handles outside any
    /// borrow of the loop.
    pub(crate) fn take_all(&mut self) -> Vec<Handle> {
        self.registered = 0;
        self.by_fd
            .drain(..)
            .flatten()
            .flat_map(|c| c.reader.into_iter().chain(c.writer))
            .collect()
    }
}

impl fmt::Debug for IoTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (readers, writers) = self.counts();
        f.debug_struct("IoTable")
            .field("fds", &self.registered)
            .field("readers", &readers)
            .field("writers", &writers)
            .finish()
    }
}

//! Readers and writers: which callback runs when an fd is ready (chapter 11).
//!
//! `add_reader(fd, cb)` means "every time `fd` is readable, queue `cb`". The
//! table below maps each fd to at most one reader and one writer, and keeps
//! the selector's interest in step with it: register the fd when its first
//! callback comes, `modify` when the set of callbacks changes, deregister
//! when the last one goes. Adding a second reader replaces the first (the
//! old one is cancelled), as in asyncio.
//!
//! Chapter 15 adds the second kind of entry, an fd owned by an async
//! socket: instead of a callback, each direction keeps whether the fd is
//! ready and the waker of the task waiting for it (`Source` below, and
//! [`Registration`](super::Registration), the socket's side of it).
//!
//! The selector token of an fd is the fd number itself. The kernel never
//! gives two open files the same number, so a token finds its entry with one
//! index into a `Vec`, no hashing. That is also why the contract says
//! "remove the callbacks before closing the fd": the number is reused by the
//! next file the process opens.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::rc::Rc;
use std::task::Waker;

use super::handle::Handle;
use super::ready::Runnable;
use crate::sys::{Event, Interest, Selector, Token};

/// Which callback of an fd, or which way an async socket waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Readable: data, a connection to accept, end-of-file or an error.
    Read,
    /// Writable: room in the send buffer, or an error.
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

/// Every fd that has a reader, a writer or an async socket, indexed by fd
/// number.
#[derive(Default)]
pub(crate) struct IoTable {
    /// `by_fd[fd]` is `Some` while `fd` has a callback (then it is
    /// registered with the selector) or belongs to a live async socket (then
    /// it is registered while some direction is watched, see `Source`).
    by_fd: Vec<Option<Watcher>>,
    /// How many fds the selector watches now.
    watched: usize,
}

/// What the loop does with the events of one fd.
enum Watcher {
    /// Queue a callback (chapter 11's `add_reader`/`add_writer`).
    Callbacks(Callbacks),
    /// Remember the readiness and wake the waiting task (chapter 15).
    Source(Source),
}

/// The callbacks of one fd; at least one is `Some`.
#[derive(Default)]
struct Callbacks {
    reader: Option<Handle>,
    writer: Option<Handle>,
}

/// An async socket's fd.
///
/// The interest follows the waiters, lazily. A direction is added when a
/// task first waits on it and stays while the socket lives, so a server that
/// reads, writes and reads again makes no `epoll_ctl` per request. The one
/// exception: an event that finds no task waiting removes its direction,
/// because a level-triggered selector would otherwise report the same
/// readiness on every pass and the loop would spin. The readiness is kept,
/// so the next read tries the syscall at once.
pub(crate) struct Source {
    /// The socket itself, shared with its owner. Holding it here is what
    /// makes "deregister before close" hold by construction: the fd cannot
    /// be closed while this entry (and so the registration) exists.
    fd: Rc<dyn AsFd>,
    /// What the selector watches this fd for; `None` if not registered.
    registered: Option<Interest>,
    read: Readiness,
    write: Readiness,
}

/// One direction of an async socket.
struct Readiness {
    /// The last word on this direction: set by an event (and at first, so
    /// the first call tries the syscall), cleared by the socket when a call
    /// says `WouldBlock` or a read comes back short.
    ready: bool,
    /// The task to wake when the selector reports this direction.
    waiter: Option<Waker>,
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

impl Source {
    fn slot(&mut self, direction: Direction) -> &mut Readiness {
        match direction {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// The error for mixing the two kinds of entry on one fd.
fn taken(fd: i32, by: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("fd {fd} is already watched by {by}; one fd cannot have both"),
    )
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
        let before = match &self.by_fd[index] {
            None => None,
            Some(Watcher::Callbacks(c)) => c.interest(),
            Some(Watcher::Source(_)) => return Err(taken(index as i32, "an async socket")),
        };
        let after = match before {
            Some(before) => before.add(direction.interest()),
            None => direction.interest(),
        };
        match before {
            None => selector.register(fd, Token(index), after)?,
            Some(before) if before != after => selector.modify(fd, Token(index), after)?,
            Some(_) => {}
        }
        if self.by_fd[index].is_none() {
            self.watched += 1;
        }
        let Watcher::Callbacks(entry) =
            self.by_fd[index].get_or_insert_with(|| Watcher::Callbacks(Callbacks::default()))
        else {
            unreachable!("checked above: this fd has callbacks or nothing")
        };
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
        let Some(Some(Watcher::Callbacks(entry))) = self.by_fd.get_mut(index) else {
            return (None, Ok(()));
        };
        let Some(removed) = entry.slot(direction).take() else {
            return (None, Ok(()));
        };
        let result = match entry.interest() {
            Some(left) => selector.modify(fd, Token(index), left),
            None => {
                self.by_fd[index] = None;
                self.watched -= 1;
                selector.deregister(fd)
            }
        };
        (Some(removed), result)
    }

    /// Handles one event: queues the callbacks it makes runnable, or marks
    /// an async socket ready and moves the waiting task's waker to `woken`.
    /// Returns how many callbacks and wakers it produced.
    pub(crate) fn dispatch(
        &mut self,
        selector: &mut dyn Selector,
        event: &Event,
        ready: &mut VecDeque<Rc<dyn Runnable>>,
        woken: &mut Vec<Waker>,
    ) -> usize {
        // The contract reports a hang-up or an error as readable and/or
        // writable too; the extra checks keep a reader from missing an EOF
        // if a backend forgot.
        let readable = event.readable || event.hangup || event.error;
        let writable = event.writable || event.error;
        let index = event.token.0;
        let mut queued = 0;
        match self.by_fd.get_mut(index) {
            Some(Some(Watcher::Callbacks(entry))) => {
                if readable && let Some(reader) = &entry.reader {
                    ready.push_back(reader.runnable());
                    queued += 1;
                }
                if writable && let Some(writer) = &entry.writer {
                    ready.push_back(writer.runnable());
                    queued += 1;
                }
            }
            Some(Some(Watcher::Source(source))) => {
                let Some(registered) = source.registered else {
                    return 0;
                };
                let mut unwatched = None;
                for (direction, hit) in [(Direction::Read, readable), (Direction::Write, writable)]
                {
                    if !hit {
                        continue;
                    }
                    let slot = source.slot(direction);
                    slot.ready = true;
                    match slot.waiter.take() {
                        Some(waker) => {
                            woken.push(waker);
                            queued += 1;
                        }
                        // Nobody waits: stop watching this way (see `Source`).
                        None if registered.add(direction.interest()) == registered => {
                            let left = unwatched.unwrap_or(Some(registered));
                            unwatched = Some(left.and_then(|l| l.remove(direction.interest())));
                        }
                        None => {}
                    }
                }
                if let Some(left) = unwatched {
                    self.rewatch(selector, index, left);
                }
            }
            // Cannot happen with a selector that keeps its contract: events
            // are dispatched right after the wait, before any callback could
            // remove an fd. A stale token is ignored, not a panic.
            _ => {}
        }
        queued
    }

    /// Starts keeping readiness for the async socket `fd`; nothing is
    /// registered with the selector until a task waits on it.
    pub(crate) fn add_source(&mut self, fd: Rc<dyn AsFd>) -> io::Result<()> {
        let index = fd.as_fd().as_raw_fd() as usize;
        if self.by_fd.len() <= index {
            self.by_fd.resize_with(index + 1, || None);
        }
        match &self.by_fd[index] {
            Some(Watcher::Callbacks(_)) => Err(taken(index as i32, "add_reader/add_writer")),
            Some(Watcher::Source(_)) => Err(taken(index as i32, "another async socket")),
            None => {
                let fresh = || Readiness {
                    ready: true,
                    waiter: None,
                };
                self.by_fd[index] = Some(Watcher::Source(Source {
                    fd,
                    registered: None,
                    read: fresh(),
                    write: fresh(),
                }));
                Ok(())
            }
        }
    }

    /// Forgets the async socket `fd` and deregisters it. Returns what the
    /// entry held (the socket's `Rc` and the wakers), for the caller to drop
    /// outside the borrow.
    pub(crate) fn remove_source(
        &mut self,
        selector: Option<&mut (dyn Selector + 'static)>,
        fd: BorrowedFd<'_>,
    ) -> Option<Source> {
        let index = fd.as_raw_fd() as usize;
        let slot = self.by_fd.get_mut(index)?;
        let Watcher::Source(source) = slot.take_if(|w| matches!(w, Watcher::Source(_)))? else {
            return None;
        };
        if source.registered.is_some() {
            self.watched -= 1;
            if let Some(selector) = selector {
                // The fd is open (this entry kept it so); the entry is gone
                // either way.
                let _ = selector.deregister(fd);
            }
        }
        Some(source)
    }

    /// Whether `direction` of the async socket `fd` is ready. If not,
    /// `waker` is stored to be woken when it is, and the selector is told
    /// to watch that way. Returns `Ok(true)` if ready, and the waker it
    /// replaced, for the caller to drop outside the borrow.
    pub(crate) fn poll_ready(
        &mut self,
        selector: &mut dyn Selector,
        fd: BorrowedFd<'_>,
        direction: Direction,
        waker: &Waker,
    ) -> (io::Result<bool>, Option<Waker>) {
        let index = fd.as_raw_fd() as usize;
        let Some(Some(Watcher::Source(source))) = self.by_fd.get_mut(index) else {
            let e = io::Error::new(
                io::ErrorKind::NotFound,
                format!("fd {index} is not an async socket of this loop"),
            );
            return (Err(e), None);
        };
        let registered = source.registered;
        let slot = source.slot(direction);
        if slot.ready {
            return (Ok(true), None);
        }
        let replaced = match &slot.waiter {
            Some(old) if old.will_wake(waker) => None,
            _ => slot.waiter.replace(waker.clone()),
        };
        let want = match registered {
            Some(r) => r.add(direction.interest()),
            None => direction.interest(),
        };
        if registered != Some(want) {
            let result = match registered {
                None => selector.register(fd, Token(index), want),
                Some(_) => selector.modify(fd, Token(index), want),
            };
            if let Err(e) = result {
                let waiter = source.slot(direction).waiter.take();
                return (Err(e), replaced.or(waiter));
            }
            if registered.is_none() {
                self.watched += 1;
            }
            source.registered = Some(want);
        }
        (Ok(false), replaced)
    }

    /// Forgets that `direction` of the async socket `fd` is ready.
    pub(crate) fn clear_ready(&mut self, fd: BorrowedFd<'_>, direction: Direction) {
        if let Some(Some(Watcher::Source(source))) = self.by_fd.get_mut(fd.as_raw_fd() as usize) {
            source.slot(direction).ready = false;
        }
    }

    /// How many fds the selector watches.
    pub(crate) fn len(&self) -> usize {
        self.watched
    }

    /// How many fds have a reader, and how many have a writer.
    pub(crate) fn counts(&self) -> (usize, usize) {
        self.by_fd
            .iter()
            .flatten()
            .fold((0, 0), |(r, w), c| match c {
                Watcher::Callbacks(c) => (
                    r + c.reader.is_some() as usize,
                    w + c.writer.is_some() as usize,
                ),
                Watcher::Source(_) => (r, w),
            })
    }

    /// How many async sockets there are.
    pub(crate) fn sources(&self) -> usize {
        self.by_fd
            .iter()
            .flatten()
            .filter(|w| matches!(w, Watcher::Source(_)))
            .count()
    }

    /// Empties the table (the loop is closing) without telling the selector,
    /// which is about to be dropped; the caller drops the handles and wakers
    /// outside any borrow of the loop.
    pub(crate) fn take_all(&mut self) -> (Vec<Handle>, Vec<Source>) {
        self.watched = 0;
        let mut handles = Vec::new();
        let mut sources = Vec::new();
        for watcher in self.by_fd.drain(..).flatten() {
            match watcher {
                Watcher::Callbacks(c) => handles.extend(c.reader.into_iter().chain(c.writer)),
                Watcher::Source(s) => sources.push(s),
            }
        }
        (handles, sources)
    }

    /// Changes what the selector watches `index` for to `interest`, or
    /// deregisters it for `None`.
    fn rewatch(&mut self, selector: &mut dyn Selector, index: usize, interest: Option<Interest>) {
        let Some(Some(Watcher::Source(source))) = self.by_fd.get_mut(index) else {
            return;
        };
        let fd = source.fd.as_fd();
        // A failure leaves the interest as it was: at worst the loop hears
        // about this fd once more.
        let result = match interest {
            Some(interest) => selector.modify(fd, Token(index), interest),
            None => selector.deregister(fd),
        };
        if result.is_ok() {
            if interest.is_none() {
                self.watched -= 1;
            }
            source.registered = interest;
        }
    }
}

impl fmt::Debug for IoTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (readers, writers) = self.counts();
        f.debug_struct("IoTable")
            .field("fds", &self.watched)
            .field("readers", &readers)
            .field("writers", &writers)
            .field("sockets", &self.sources())
            .finish()
    }
}

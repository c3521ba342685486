//! A wake-up fd: how another thread interrupts a selector's wait (chapter 04).
//!
//! An `eventfd(2)` is a kernel counter behind an fd. Writing adds to it and
//! makes it readable; reading returns the count and resets it. Every selector
//! watches its own eventfd, so a thread that has news for the loop writes 1 and
//! the loop's `wait` returns. (Chapter 19's thread pool and chapter 11's
//! `call_soon_threadsafe` are built on this.) Before eventfd, the same trick was
//! a pipe the process wrote to itself: the "self-pipe trick" of chapter 20.
//!
//! How the selector quiets it depends on the selector. `select` and `poll`
//! only know "readable": they watch it level-triggered, and [`drain`] it
//! after every ring, or every later wait would return at once. epoll watches
//! it edge-triggered (`EPOLLET`): each write to an eventfd is an edge, and
//! epoll reports it once, so the counter can be left to climb and is never
//! read. That saves the loop a `read(2)` per wake-up; mio does the same.
//!
//! [`drain`]: Doorbell::drain
//!
//! It is called a doorbell, not a waker, on purpose: from chapter 13 on,
//! "waker" means `std::task::Waker`, the handle a future uses to say "poll me
//! again". A task's waker rings this doorbell only when it is used from
//! another thread (`event_loop/tasks.rs`); on the loop's own thread no
//! system call is needed. mio calls the same thing `Waker`, polling calls it a
//! notifier.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::Arc;

use super::fault::{self, Call};

/// A cloneable, thread-safe handle that wakes one selector.
///
/// ```
/// use ghetto_loop::sys::Doorbell;
/// let doorbell = Doorbell::new()?;
/// let other = doorbell.clone();
/// std::thread::spawn(move || other.ring()).join().unwrap()?;
/// assert!(doorbell.drain()?, "the wake-up is pending until drained");
/// assert!(!doorbell.drain()?);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Doorbell {
    /// A non-blocking, close-on-exec eventfd, shared by every clone.
    fd: Arc<OwnedFd>,
}

impl Doorbell {
    /// A new eventfd, non-blocking and close-on-exec.
    pub fn new() -> io::Result<Doorbell> {
        // SAFETY: eventfd(2) takes an initial value and flags.
        let fd = crate::syscall!(eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK))?;
        // SAFETY: eventfd just returned this fd and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Doorbell { fd: Arc::new(fd) })
    }

    /// Makes the fd readable, so the selector watching it wakes up.
    /// Waking twice before the selector waits is the same as waking once.
    pub fn ring(&self) -> io::Result<()> {
        let one: u64 = 1;
        loop {
            // SAFETY: we pass a readable u64, which is what eventfd expects.
            let res = fault::before(Call::Doorbell, self.fd.as_raw_fd()).and_then(|()| {
                crate::syscall!(write(
                    self.fd.as_raw_fd(),
                    (&raw const one).cast::<libc::c_void>(),
                    8
                ))
            });
            return match res {
                Ok(_) => Ok(()),
                // EAGAIN: the counter is at its maximum (2^64 - 2, after
                // that many rings nobody drained). The fd is readable, but a
                // write that fails makes no edge, so an edge-triggered
                // watcher would not hear this ring: reset and ring again.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.drain()?;
                    continue;
                }
                // A non-blocking eventfd does not sleep, but write(2) may
                // still say EINTR; a ring that gave up would lose a wake-up.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
        }
    }

    /// Resets the counter; returns whether there was a wake-up to consume.
    /// A level-triggered selector (`select`, `poll`) calls this when its
    /// wait returns with the doorbell ready.
    pub fn drain(&self) -> io::Result<bool> {
        let mut count: u64 = 0;
        loop {
            // SAFETY: `count` is a writable u64, which is what eventfd expects.
            let res = fault::before(Call::Doorbell, self.fd.as_raw_fd()).and_then(|()| {
                crate::syscall!(read(
                    self.fd.as_raw_fd(),
                    (&raw mut count).cast::<libc::c_void>(),
                    8
                ))
            });
            return match res {
                Ok(_) => Ok(true),
                // EAGAIN: the counter was zero, nobody woke us.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
                // As in `ring`: retried, or the wake-up stays unconsumed.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
        }
    }
}

impl AsFd for Doorbell {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

//! Signals as fd events: `Signals`, `ctrl_c` (chapter 20).
//!
//! A signal interrupts whatever a thread is doing, at any instruction, and
//! its handler may do almost nothing safely: no lock, no allocation, no
//! `RefCell`. An event loop wants the opposite: "a signal came" as one more
//! thing to read when its fd is ready. There are two ways to get there, and
//! this module offers both ([`Via`]):
//!
//! * **the self-pipe** (`sys::SelfPipe`): a handler that only `write`s one
//!   byte into a pipe; the loop watches the pipe's read end. Portable to any
//!   Unix, and to any selector.
//! * **`signalfd`** (`sys::SignalFd`, Linux): block the signal, and the
//!   kernel queues it as data on an fd. No handler at all; but the signal
//!   must be blocked in every thread, or a thread that does not block it
//!   takes it instead (the pool's threads block every signal; make signal
//!   listeners before starting threads of your own).
//!
//! A [`Signals`] listener is registered when it is made, not when first
//! awaited: a signal that arrives in between waits in the pipe or in the
//! kernel, and the first `recv` returns it. Standard signals do not queue:
//! two `SIGHUP`s sent before one is read arrive as one.
//!
//! ```
//! use ghetto_loop::signal::Signals;
//! use ghetto_loop::sys::{SIGUSR1, raise_signal};
//!
//! ghetto_loop::run(async {
//!     let usr1 = Signals::new(SIGUSR1)?; // blocks SIGUSR1 in this thread
//!     raise_signal(SIGUSR1)?; // before the first await: not lost
//!     assert_eq!(usr1.recv().await?, SIGUSR1);
//!     Ok::<(), std::io::Error>(())
//! })??;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::event_loop::{Direction, LoopHandle, Registration};
use crate::sync::Stream;
use crate::sys::{SIGINT, SelfPipe, SignalFd, signal_name};

/// How a signal becomes an fd event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Block it and read it from a `signalfd` (the default).
    SignalFd,
    /// A handler writes a byte into a pipe.
    SelfPipe,
}

/// A stream of deliveries of one signal, on the loop.
pub struct Signals {
    signal: i32,
    registration: Registration<Source>,
}

/// The fd a listener reads.
#[derive(Debug)]
enum Source {
    Fd(SignalFd),
    Pipe(SelfPipe),
}

impl AsFd for Source {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Source::Fd(fd) => fd.as_fd(),
            Source::Pipe(pipe) => pipe.as_fd(),
        }
    }
}

impl Source {
    fn read(&self) -> io::Result<i32> {
        match self {
            Source::Fd(fd) => fd.read(),
            Source::Pipe(pipe) => pipe.read(),
        }
    }
}

impl Signals {
    /// Listens for `signal` with a signalfd, on the loop running this
    /// thread.
    ///
    /// Errors: `InvalidInput` for a signal that cannot be handled this way
    /// (`SIGKILL`, `SIGSTOP`, the fault signals `SIGSEGV`, `SIGBUS`,
    /// `SIGFPE`, `SIGILL`).
    ///
    /// # Panics
    ///
    /// If no loop is running on this thread (use [`Signals::on`]).
    pub fn new(signal: i32) -> io::Result<Signals> {
        Signals::on(&LoopHandle::current(), signal, Via::SignalFd)
    }

    /// Listens for `signal` on `lp`, the way `via` says.
    pub fn on(lp: &LoopHandle, signal: i32, via: Via) -> io::Result<Signals> {
        let source = match via {
            Via::SignalFd => Source::Fd(SignalFd::new(signal)?),
            Via::SelfPipe => Source::Pipe(SelfPipe::install(signal)?),
        };
        Ok(Signals {
            signal,
            registration: Registration::new(lp, source)?,
        })
    }

    /// Waits for the next delivery; returns the signal's number.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `recv` consumed no delivery.
    pub async fn recv(&self) -> io::Result<i32> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// The poll behind [`recv`](Signals::recv).
    pub fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<io::Result<i32>> {
        self.registration
            .poll_io(Direction::Read, cx, |source| source.read())
    }

    /// The signal it listens for.
    pub fn signal(&self) -> i32 {
        self.signal
    }
}

impl Stream for Signals {
    type Item = io::Result<i32>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_recv(cx).map(Some)
    }
}

/// Waits for Ctrl-C (`SIGINT`). Registers when first polled: make a
/// [`Signals`] for `SIGINT` up front if a Ctrl-C that comes before that
/// must not be lost.
pub async fn ctrl_c() -> io::Result<()> {
    Signals::new(SIGINT)?.recv().await.map(drop)
}

impl fmt::Debug for Signals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signals")
            .field("signal", &signal_name(self.signal))
            .field("source", self.registration.get_ref())
            .finish()
    }
}

// Exercise 20-1: a self-pipe by hand. See README.md.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::atomic::AtomicI32;

use ghetto_loop::event_loop::{LoopHandle, Registration};

/// The write end of the pipe, for the handler: a raw number in an atomic,
/// because a handler may touch nothing else. -1 while there is none.
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// The signal handler. It runs on whatever thread the signal interrupted,
/// between any two instructions, so it may only do async-signal-safe
/// things: load an atomic and `write(2)` one byte (the signal's number).
///
/// Do not put a `todo!()` or a `println!` here: a panic cannot unwind out
/// of an `extern "C"` function (the process aborts), and `println!` takes
/// a lock the interrupted code may hold.
extern "C" fn on_signal(signal: libc::c_int) {
    // Your code: load WRITE_FD; if it is a real fd, write one byte, the
    // signal's number (and keep errno as you found it).
}

/// One signal, turned into bytes in a pipe that the loop watches.
///
/// One at a time: `WRITE_FD` has room for one pipe, and a signal has one
/// handler per process.
#[derive(Debug)]
pub struct MySelfPipe {
    signal: i32,
    /// The read end, registered with the loop.
    read_end: Registration<OwnedFd>,
    /// Kept open for the handler, which holds its raw number.
    _write_end: OwnedFd,
}

impl MySelfPipe {
    /// Makes the pipe, gives its write end to the handler, installs the
    /// handler for `signal`, and registers the read end with `lp`.
    pub fn install(lp: &LoopHandle, signal: i32) -> io::Result<MySelfPipe> {
        todo!("pipe(), WRITE_FD.store, sigaction with on_signal, Registration::new")
    }

    /// Waits for the next byte in the pipe; returns the signal's number.
    ///
    /// Cancel safe: a `recv` dropped before it returned read no byte.
    pub async fn recv(&self) -> io::Result<i32> {
        todo!("poll_fn + self.read_end.poll_io(Direction::Read, cx, ...)")
    }
}

impl Drop for MySelfPipe {
    /// Puts the default action back first, then lets the handler forget
    /// the pipe; the fds close after that.
    fn drop(&mut self) {
        // Your code: signal(self.signal, SIG_DFL), then WRITE_FD back to -1.
    }
}

/// A non-blocking pipe: `(read end, write end)`. Given.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two fds pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 just made these fds, and nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

// Exercise 20-1: a self-pipe by hand. See README.md.
//
// The reference solution; compare with ghetto-loop/src/sys/signals.rs.

use std::future::poll_fn;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

use ghetto_loop::event_loop::{Direction, LoopHandle, Registration};

/// The write end of the pipe, for the handler: a raw number in an atomic,
/// because a handler may touch nothing else. -1 while there is none.
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// The signal handler. It runs on whatever thread the signal interrupted,
/// between any two instructions, so it may only do async-signal-safe
/// things: load an atomic and `write(2)` one byte (the signal's number).
extern "C" fn on_signal(signal: libc::c_int) {
    let fd = WRITE_FD.load(Ordering::Acquire);
    if fd < 0 {
        return;
    }
    let byte = signal as u8;
    // SAFETY: write(2) is async-signal-safe; `byte` is readable for one
    // byte; `fd` is the write end that `MySelfPipe` keeps open while it is
    // stored here. errno is saved and put back, because the code this
    // handler interrupted may be about to read it. A full pipe (EAGAIN)
    // already says "a signal came", so the result is not needed.
    unsafe {
        let saved = *libc::__errno_location();
        libc::write(fd, (&raw const byte).cast::<libc::c_void>(), 1);
        *libc::__errno_location() = saved;
    }
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
        let (read_end, write_end) = pipe()?;
        WRITE_FD.store(write_end.as_raw_fd(), Ordering::Release);
        // SAFETY: sigaction is plain old data; zeroes are a valid start
        // (an empty mask, no flags).
        let mut action: libc::sigaction = unsafe { mem::zeroed() };
        action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
        // Interrupted system calls elsewhere carry on instead of failing
        // with EINTR.
        action.sa_flags = libc::SA_RESTART;
        // SAFETY: `action` is initialised, and its handler is
        // async-signal-safe; the old action is not wanted (null).
        let rc = unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) };
        if rc == -1 {
            // SIGKILL, SIGSTOP or no such signal: EINVAL.
            let error = io::Error::last_os_error();
            WRITE_FD.store(-1, Ordering::Release);
            return Err(error);
        }
        Ok(MySelfPipe {
            signal,
            read_end: Registration::new(lp, read_end)?,
            _write_end: write_end,
        })
    }

    /// Waits for the next byte in the pipe; returns the signal's number.
    ///
    /// Cancel safe: a `recv` dropped before it returned read no byte.
    pub async fn recv(&self) -> io::Result<i32> {
        poll_fn(|cx| self.read_end.poll_io(Direction::Read, cx, read_byte)).await
    }
}

impl Drop for MySelfPipe {
    /// Puts the default action back first, then lets the handler forget
    /// the pipe; the fds close after that.
    fn drop(&mut self) {
        // SAFETY: SIG_DFL is a valid disposition for a signal that had a
        // handler.
        unsafe { libc::signal(self.signal, libc::SIG_DFL) };
        WRITE_FD.store(-1, Ordering::Release);
    }
}

/// One byte from the non-blocking read end: `WouldBlock` when empty.
fn read_byte(read_end: &OwnedFd) -> io::Result<i32> {
    let mut byte = 0u8;
    // SAFETY: `byte` is writable for one byte; the fd is open.
    let n = unsafe { libc::read(read_end.as_raw_fd(), (&raw mut byte).cast(), 1) };
    match n {
        1 => Ok(byte as i32),
        0 => Err(io::ErrorKind::UnexpectedEof.into()),
        _ => Err(io::Error::last_os_error()),
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

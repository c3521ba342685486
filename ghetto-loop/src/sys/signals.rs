//! Signals (chapter 19: signal masks; chapter 20: signalfd and the
//! self-pipe, the two ways to turn a signal into an fd event).

use std::io;
use std::mem;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// Blocks every signal in the calling thread: they are delivered to some
/// other thread of the process instead (or, for one blocked everywhere, to
/// a `signalfd`). Pool threads do this when they start.
pub fn block_all_signals() -> io::Result<()> {
    // SAFETY: sigset_t is plain old data; sigfillset initialises it.
    let mut all: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: `all` is a valid sigset_t to fill.
    crate::syscall!(sigfillset(&mut all))?;
    // SAFETY: `all` is initialised; a null old-set pointer is allowed.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut()) };
    // pthread_sigmask returns the error number instead of setting errno.
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(())
}

/// Refuses the signals a program must not take over: `SIGKILL` and
/// `SIGSTOP` cannot be caught at all, and `SIGSEGV`, `SIGBUS`, `SIGFPE` and
/// `SIGILL` report a fault in the very instruction that raised them, so
/// turning them into an event to handle later would resume that instruction
/// and fault again forever.
pub fn check_catchable(signal: i32) -> io::Result<()> {
    let refused = match signal {
        libc::SIGKILL => "SIGKILL cannot be caught or blocked by any process",
        libc::SIGSTOP => "SIGSTOP cannot be caught or blocked by any process",
        libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL => {
            "a fault signal is raised by the faulting instruction itself; it cannot wait for the loop"
        }
        s if !(1..=64).contains(&s) => "no such signal number (1 to 64 on Linux)",
        _ => return Ok(()),
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("signal {signal}: {refused}"),
    ))
}

/// The name of a signal, for messages: `"SIGTERM"`, or `"signal 40"`.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGWINCH => "SIGWINCH",
        _ => return format!("signal {signal}"),
    };
    name.to_owned()
}

/// A `signalfd(2)`: the signals it watches are blocked in this thread and
/// queue in the kernel until read from this fd, as ordinary readable data.
///
/// A blocked signal is delivered only to a thread that does not block it;
/// so it must be blocked in **every** thread, or another thread takes it
/// with its default action (for `SIGTERM`: the end of the process). Make
/// the `SignalFd` on the main thread before starting other threads (they
/// inherit the mask); the loop's pool threads block every signal anyway.
///
/// Dropping it closes the fd but leaves the signal blocked in the thread
/// that made it (another listener, or code of the program's own, may rely
/// on that): a later self-pipe for the same signal on that thread then
/// never sees it. Use one way per signal.
#[derive(Debug)]
pub struct SignalFd {
    fd: OwnedFd,
}

impl SignalFd {
    /// Blocks `signal` in this thread and opens a non-blocking signalfd for it.
    pub fn new(signal: i32) -> io::Result<SignalFd> {
        check_catchable(signal)?;
        // SAFETY: sigset_t is plain old data; sigemptyset initialises it.
        let mut set: libc::sigset_t = unsafe { mem::zeroed() };
        // SAFETY: `set` is a valid sigset_t.
        crate::syscall!(sigemptyset(&mut set))?;
        // SAFETY: `set` is initialised and `signal` was checked above.
        crate::syscall!(sigaddset(&mut set, signal))?;
        // SAFETY: `set` is initialised; a null old-set pointer is allowed.
        let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        // SAFETY: -1 asks for a new fd; `set` is initialised.
        let fd = crate::syscall!(signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC))?;
        // SAFETY: signalfd just returned this fd and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(SignalFd { fd })
    }

    /// The next delivered signal's number, or `WouldBlock` if none is
    /// pending.
    pub fn read(&self) -> io::Result<i32> {
        // SAFETY: signalfd_siginfo is plain old data; zeroes are valid.
        let mut info: libc::signalfd_siginfo = unsafe { mem::zeroed() };
        let size = mem::size_of::<libc::signalfd_siginfo>();
        // SAFETY: `info` is writable for `size` bytes, the one record size
        // a signalfd reads.
        crate::syscall!(read(
            self.fd.as_raw_fd(),
            (&raw mut info).cast::<libc::c_void>(),
            size
        ))?;
        Ok(info.ssi_signo as i32)
    }
}

impl AsFd for SignalFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// The write end of each signal's self-pipe, by signal number, for the
/// handler (which may touch nothing but atomics and `write`); -1: none.
static PIPE_FOR: [AtomicI32; 65] = [const { AtomicI32::new(-1) }; 65];

/// The self-pipe trick: a handler that writes the signal's number into a
/// pipe, whose read end a selector watches. It works where signalfd does
/// not exist and with any selector; it costs a handler that may run on any
/// thread at any moment, so it may do nearly nothing (`write` is one of the
/// few async-signal-safe calls).
///
/// One pipe per signal number in the process: installing a second one for
/// the same signal replaces the first. Dropping the one in place puts back
/// the default action; dropping one already replaced changes nothing.
#[derive(Debug)]
pub struct SelfPipe {
    signal: i32,
    read_end: OwnedFd,
    /// Kept open for the handler; the static holds its raw number.
    write_end: OwnedFd,
}

extern "C" fn write_signal_byte(signal: libc::c_int) {
    let Some(slot) = PIPE_FOR.get(signal as usize) else {
        return;
    };
    let fd = slot.load(Ordering::Acquire);
    if fd >= 0 {
        let byte = signal as u8;
        // SAFETY: write(2) is async-signal-safe; `byte` is readable for 1
        // byte; `fd` is a pipe's write end that `SelfPipe` keeps open while
        // it is in the table. A full pipe (EAGAIN) already says "a signal
        // came", and errno is saved and restored around the call.
        unsafe {
            let saved = *libc::__errno_location();
            libc::write(fd, (&raw const byte).cast::<libc::c_void>(), 1);
            *libc::__errno_location() = saved;
        }
    }
}

impl SelfPipe {
    /// Installs the handler for `signal` and returns the pipe.
    pub fn install(signal: i32) -> io::Result<SelfPipe> {
        check_catchable(signal)?;
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two fds pipe2 writes.
        crate::syscall!(pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC))?;
        // SAFETY: pipe2 just returned these fds and nothing else owns them.
        let (read_end, write_end) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // The table entry first: a signal that comes the instant the handler
        // is in place finds the pipe. On failure it is taken back out.
        let previous = PIPE_FOR[signal as usize].swap(write_end.as_raw_fd(), Ordering::AcqRel);
        // SAFETY: sigaction is plain old data; zeroes are a valid start.
        let mut action: libc::sigaction = unsafe { mem::zeroed() };
        action.sa_sigaction = write_signal_byte as *const () as libc::sighandler_t;
        // SA_RESTART: system calls of other code interrupted by the signal
        // carry on instead of failing with EINTR.
        action.sa_flags = libc::SA_RESTART;
        // SAFETY: `action` is initialised; the handler is async-signal-safe.
        if let Err(e) = crate::syscall!(sigaction(signal, &action, std::ptr::null_mut())) {
            PIPE_FOR[signal as usize].store(previous, Ordering::Release);
            return Err(e);
        }
        Ok(SelfPipe {
            signal,
            read_end,
            write_end,
        })
    }

    /// The next signal's number written by the handler, or `WouldBlock`.
    pub fn read(&self) -> io::Result<i32> {
        let mut byte = 0u8;
        // SAFETY: `byte` is writable for 1 byte.
        crate::syscall!(read(
            self.read_end.as_raw_fd(),
            (&raw mut byte).cast::<libc::c_void>(),
            1
        ))?;
        Ok(byte as i32)
    }
}

impl AsFd for SelfPipe {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.read_end.as_fd()
    }
}

impl Drop for SelfPipe {
    /// Puts back the default action, then lets the handler forget the
    /// pipe, before the pipe's fds close.
    fn drop(&mut self) {
        // Only if the table still names this pipe: a newer `SelfPipe` for the
        // same signal replaced it, and keeps its handler and its pipe.
        let mine = self.write_end.as_raw_fd();
        let slot = &PIPE_FOR[self.signal as usize];
        if slot
            .compare_exchange(mine, -1, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            // SAFETY: SIG_DFL is always a valid disposition for a catchable
            // signal.
            unsafe { libc::signal(self.signal, libc::SIG_DFL) };
        }
    }
}

/// Hang-up: the terminal went away, or (by convention) "reload your config".
pub const SIGHUP: i32 = libc::SIGHUP;
/// Interrupt: Ctrl-C in the terminal.
pub const SIGINT: i32 = libc::SIGINT;
/// Terminate: the polite "please stop" of `kill` and service managers.
pub const SIGTERM: i32 = libc::SIGTERM;
/// User signal 1, free for a program's own use.
pub const SIGUSR1: i32 = libc::SIGUSR1;
/// User signal 2, free for a program's own use.
pub const SIGUSR2: i32 = libc::SIGUSR2;

/// Sends `signal` to the calling thread (`raise(3)`): how demos and tests
/// signal themselves without a second process.
pub fn raise_signal(signal: i32) -> io::Result<()> {
    // SAFETY: raise takes a signal number and no pointers.
    let rc = unsafe { libc::raise(signal) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

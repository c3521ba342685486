//! The operating system, behind one module (chapter 01; grows in 04-06).
//!
//! Nothing outside `sys` names `libc`. Everything here is a thin, safe wrapper
//! over one system call, and keeps the call visible: a learner should be able
//! to read `socket.accept()` and find `accept4(2)` a few lines below.
//!
//! # Contract
//!
//! * Every fd is owned by an [`OwnedFd`](std::os::fd::OwnedFd) (closed exactly
//!   once, on drop) and created with `CLOEXEC`.
//! * Every call that fails returns `io::Error::last_os_error()` through
//!   [`syscall!`](crate::syscall); nothing here panics on what the OS or a peer controls.
//! * `EINTR` is retried where a call can block (see each function);
//!   `EAGAIN` is returned to the caller as `ErrorKind::WouldBlock`, because
//!   only the caller knows whether to wait, poll or give up.

/// Calls a `libc` function and turns its `-1` into `io::Error::last_os_error()`.
///
/// This is the one place where the C convention "return -1 and set `errno`"
/// becomes Rust's `io::Result`. mio and smol have the same macro.
///
/// ```
/// # use ghetto_loop::syscall;
/// // SAFETY: getpid has no preconditions.
/// let pid = syscall!(getpid()).unwrap();
/// assert!(pid > 0);
/// ```
#[macro_export]
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        #[allow(unused_unsafe)]
        // SAFETY: the caller states, above the macro call, why the arguments
        // satisfy the contract of this libc function.
        let res = unsafe { $crate::sys::libc::$fn($($arg),*) };
        if res == -1 {
            Err(::std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}

#[doc(hidden)]
pub use libc;

mod addr;
mod doorbell;
pub mod fault;
mod selector;
mod signals;
mod socket;
mod usage;

// The selector backends and what they share (chapters 04-06).
mod epoll;
mod kind;
mod poll;
mod registration;
mod select;
mod timeout;

pub use doorbell::Doorbell;
pub use epoll::{Epoll, READY_CAPACITY};
pub use kind::{SELECTOR_ENV, SelectorKind};
pub use poll::Poll;
pub use select::{FD_SETSIZE, Select};
pub use selector::{Event, Interest, Selector, Token};
pub use signals::{
    SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SelfPipe, SignalFd, block_all_signals,
    check_catchable, raise_signal, signal_name,
};
pub use socket::{Shutdown, Socket};
pub use usage::{CpuTime, is_out_of_resources, raise_fd_limit, set_timer_slack, stack_limit};

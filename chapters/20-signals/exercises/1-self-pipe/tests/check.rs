//! The specification of exercise 20-1: do not edit; make it pass.
//!
//! Every test sends the signal to its own thread with `raise`, and takes
//! its turn: a signal has one handler in the whole process, and the tests
//! of one `cargo test` share the process.

use std::future::Future;
use std::io;
use std::mem;
use std::pin::pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Waker};
use std::time::Duration;

use ex20_1_self_pipe::MySelfPipe;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::sys::{SIGUSR1, SIGUSR2, raise_signal};

fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Waits for this test's turn, then makes a loop and a pipe for `signal`.
fn installed(signal: i32) -> io::Result<(MutexGuard<'static, ()>, EventLoop, MySelfPipe)> {
    let turn = turn();
    let lp = EventLoop::new()?;
    let pipe = MySelfPipe::install(&lp, signal)?;
    Ok((turn, lp, pipe))
}

/// The action installed for `signal` right now.
fn action(signal: i32) -> libc::sigaction {
    // SAFETY: sigaction is plain old data; zeroes are valid.
    let mut old: libc::sigaction = unsafe { mem::zeroed() };
    // SAFETY: a null new action only reads the current one into `old`.
    let rc = unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) };
    assert_eq!(rc, 0);
    old
}

/// The handler installed for `signal` right now.
fn disposition(signal: i32) -> libc::sighandler_t {
    action(signal).sa_sigaction
}

/// This thread's `errno`.
fn errno() -> i32 {
    // SAFETY: errno is this thread's own variable, always there.
    unsafe { *libc::__errno_location() }
}

fn set_errno(value: i32) {
    // SAFETY: as in `errno`.
    unsafe { *libc::__errno_location() = value };
}

#[test]
fn a_raised_signal_is_read_from_the_pipe() -> io::Result<()> {
    let (_turn, lp, pipe) = installed(SIGUSR1)?;
    raise_signal(SIGUSR1)?;
    assert_eq!(lp.block_on(pipe.recv())??, SIGUSR1);
    Ok(())
}

#[test]
fn each_delivery_is_one_byte() -> io::Result<()> {
    let (_turn, lp, pipe) = installed(SIGUSR2)?;
    // The handler runs inside each raise: two deliveries, two bytes.
    raise_signal(SIGUSR2)?;
    raise_signal(SIGUSR2)?;
    let got = lp.block_on(async { [pipe.recv().await, pipe.recv().await] })?;
    assert_eq!(got.map(|g| g.ok()), [Some(SIGUSR2); 2]);
    // And nothing more: a third `recv` finds the pipe empty.
    let mut third = pin!(pipe.recv());
    let poll = third.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    assert!(poll.is_pending(), "a byte too many: {poll:?}");
    Ok(())
}

/// The handler runs inside `raise`, so whatever it leaves in `errno` is
/// what the code after `raise` finds there. A `write` into a full pipe
/// fails with `EAGAIN` and sets `errno`: once the pipe is full, every
/// delivery tries to change it.
#[test]
fn the_handler_leaves_errno_as_it_found_it() -> io::Result<()> {
    let (_turn, _lp, pipe) = installed(SIGUSR1)?;
    // A pipe holds 16 pages; a few deliveries more and it is surely full.
    // SAFETY: sysconf takes a name and no pointers.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let deliveries = 16 * usize::try_from(page).unwrap_or(4096) + 16;
    const SENTINEL: i32 = libc::ENOTTY;
    for delivery in 0..deliveries {
        set_errno(SENTINEL);
        // SAFETY: raise takes a signal number and no pointers.
        let rc = unsafe { libc::raise(SIGUSR1) };
        let after = errno();
        assert_eq!(rc, 0);
        assert_eq!(
            after,
            SENTINEL,
            "errno changed by delivery {delivery}: {}",
            io::Error::from_raw_os_error(after)
        );
    }
    drop(pipe);
    Ok(())
}

#[test]
fn the_handler_is_installed_with_sa_restart() -> io::Result<()> {
    let (_turn, _lp, pipe) = installed(SIGUSR2)?;
    let flags = action(SIGUSR2).sa_flags;
    drop(pipe);
    assert_ne!(flags & libc::SA_RESTART, 0, "sa_flags: {flags:#x}");
    Ok(())
}

#[test]
fn a_waiting_recv_is_woken_by_the_pipe() -> io::Result<()> {
    let (_turn, lp, pipe) = installed(SIGUSR1)?;
    // Sent while `recv` waits in the selector: only readiness can wake it.
    lp.call_later(Duration::from_millis(20), || {
        raise_signal(SIGUSR1).expect("raise");
    });
    assert_eq!(lp.block_on(pipe.recv())??, SIGUSR1);
    Ok(())
}

#[test]
fn install_sets_the_handler_and_drop_puts_the_default_back() -> io::Result<()> {
    let (_turn, _lp, pipe) = installed(SIGUSR1)?;
    assert_ne!(
        disposition(SIGUSR1),
        libc::SIG_DFL,
        "a handler is installed"
    );
    drop(pipe);
    assert_eq!(disposition(SIGUSR1), libc::SIG_DFL, "back to the default");
    Ok(())
}

#[test]
fn sigkill_cannot_be_caught() -> io::Result<()> {
    let _turn = turn();
    let lp = EventLoop::new()?;
    let err = MySelfPipe::install(&lp, libc::SIGKILL).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    Ok(())
}

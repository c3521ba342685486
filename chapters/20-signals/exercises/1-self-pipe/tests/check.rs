//! The specification of exercise 20-1: do not edit; make it pass.
//!
//! Every test sends the signal to its own thread with `raise`, and takes
//! its turn: a signal has one handler in the whole process, and the tests
//! of one `cargo test` share the process.

use std::io;
use std::mem;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use ex20_1_self_pipe::MySelfPipe;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::sys::{SIGUSR1, SIGUSR2, raise_signal};

fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// The handler installed for `signal` right now.
fn disposition(signal: i32) -> libc::sighandler_t {
    // SAFETY: sigaction is plain old data; zeroes are valid.
    let mut old: libc::sigaction = unsafe { mem::zeroed() };
    // SAFETY: a null new action only reads the current one into `old`.
    let rc = unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) };
    assert_eq!(rc, 0);
    old.sa_sigaction
}

#[test]
fn a_raised_signal_is_read_from_the_pipe() -> io::Result<()> {
    let _turn = turn();
    let lp = EventLoop::new()?;
    let pipe = MySelfPipe::install(&lp, SIGUSR1)?;
    raise_signal(SIGUSR1)?;
    assert_eq!(lp.block_on(pipe.recv())??, SIGUSR1);
    Ok(())
}

#[test]
fn each_delivery_is_one_byte() -> io::Result<()> {
    let _turn = turn();
    let lp = EventLoop::new()?;
    let pipe = MySelfPipe::install(&lp, SIGUSR2)?;
    // The handler runs inside each raise: two deliveries, two bytes.
    raise_signal(SIGUSR2)?;
    raise_signal(SIGUSR2)?;
    let got = lp.block_on(async { [pipe.recv().await, pipe.recv().await] })?;
    assert_eq!(got.map(|g| g.ok()), [Some(SIGUSR2); 2]);
    Ok(())
}

#[test]
fn a_waiting_recv_is_woken_by_the_pipe() -> io::Result<()> {
    let _turn = turn();
    let lp = EventLoop::new()?;
    let pipe = MySelfPipe::install(&lp, SIGUSR1)?;
    // Sent while `recv` waits in the selector: only readiness can wake it.
    lp.call_later(Duration::from_millis(20), || {
        raise_signal(SIGUSR1).expect("raise");
    });
    assert_eq!(lp.block_on(pipe.recv())??, SIGUSR1);
    Ok(())
}

#[test]
fn install_sets_the_handler_and_drop_puts_the_default_back() -> io::Result<()> {
    let _turn = turn();
    let lp = EventLoop::new()?;
    let pipe = MySelfPipe::install(&lp, SIGUSR1)?;
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

//! Signals as fd events (chapter 20), both ways, on all three selectors: a
//! signal raised before the first await is not lost, deliveries come as a
//! stream, `ctrl_c` wakes, and signals that cannot be handled are refused.
//!
//! Each test signals its own thread (`raise`), which blocks the signal
//! (signalfd) or handles it (self-pipe): no other thread of the test
//! process can take it.

mod util;

use std::io;
use std::sync::{Mutex, MutexGuard};

use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::signal::{Signals, Via, ctrl_c};
use ghetto_loop::sync::StreamExt;
use ghetto_loop::sys::{SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, raise_signal};
use ghetto_loop::task;
use util::conformance;

/// A self-pipe's handler is process-wide: under `cargo test`, whose tests
/// share one process, the tests that install one take turns.
fn handlers() -> MutexGuard<'static, ()> {
    static HANDLERS: Mutex<()> = Mutex::new(());
    HANDLERS.lock().unwrap_or_else(|p| p.into_inner())
}

conformance! {
    /// signalfd: registered when made, so a signal raised before the first
    /// await waits in the kernel and is the first delivery.
    fn signalfd_keeps_a_signal_raised_before_the_first_await(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let usr1 = Signals::on(&lp.handle(), SIGUSR1, Via::SignalFd)?;
        raise_signal(SIGUSR1)?;
        assert_eq!(lp.block_on(usr1.recv())??, SIGUSR1);
        Ok(())
    }

    /// The self-pipe: the handler writes a byte, the loop reads it.
    fn self_pipe_turns_a_signal_into_a_byte(kind) {
        let _turn = handlers();
        let lp = EventLoop::with_kind(kind)?;
        let usr2 = Signals::on(&lp.handle(), SIGUSR2, Via::SelfPipe)?;
        raise_signal(SIGUSR2)?;
        assert_eq!(lp.block_on(usr2.recv())??, SIGUSR2);
        Ok(())
    }

    /// Deliveries are a stream; both ways work side by side on one loop.
    fn a_stream_of_deliveries_both_ways(kind) {
        let _turn = handlers();
        let lp = EventLoop::with_kind(kind)?;
        let mut hup = Signals::on(&lp.handle(), SIGHUP, Via::SignalFd)?;
        let mut term = Signals::on(&lp.handle(), SIGTERM, Via::SelfPipe)?;
        let got = lp.block_on(async {
            let mut got = Vec::new();
            for _ in 0..3 {
                raise_signal(SIGHUP)?;
                got.push(hup.next().await.expect("a stream of signals does not end")?);
                raise_signal(SIGTERM)?;
                got.push(term.next().await.expect("a stream of signals does not end")?);
            }
            Ok::<_, io::Error>(got)
        })??;
        assert_eq!(got, [SIGHUP, SIGTERM, SIGHUP, SIGTERM, SIGHUP, SIGTERM]);
        Ok(())
    }

    /// `ctrl_c` wakes its task when SIGINT comes.
    fn ctrl_c_wakes_its_task(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.block_on(async {
            let waiting = task::spawn(ctrl_c());
            // Let it register, then press "Ctrl-C".
            task::yield_now().await;
            raise_signal(SIGINT)?;
            waiting.await.unwrap()
        })??;
        Ok(())
    }
}

/// Signals a program cannot take over are refused with a clear error.
#[test]
fn uncatchable_and_fault_signals_are_refused() -> io::Result<()> {
    let _turn = handlers();
    let lp = EventLoop::new()?;
    for (signal, says) in [
        (9, "SIGKILL cannot be caught"),
        (19, "SIGSTOP cannot be caught"),
        (11, "fault signal"),
        (0, "no such signal"),
    ] {
        for via in [Via::SignalFd, Via::SelfPipe] {
            let err = Signals::on(&lp.handle(), signal, via).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains(says), "{err}");
        }
    }
    Ok(())
}

/// Dropping a replaced self-pipe leaves the newer one (and its handler) in
/// place: a signal still arrives, and does not end the process.
#[test]
fn dropping_a_replaced_self_pipe_keeps_the_newer_one() -> io::Result<()> {
    let _turn = handlers();
    let lp = EventLoop::new()?;
    let older = Signals::on(&lp.handle(), SIGUSR2, Via::SelfPipe)?;
    let newer = Signals::on(&lp.handle(), SIGUSR2, Via::SelfPipe)?;
    drop(older);
    raise_signal(SIGUSR2)?;
    assert_eq!(lp.block_on(newer.recv())??, SIGUSR2);
    Ok(())
}

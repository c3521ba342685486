//! Signals as fd events, both ways, on one loop: a signal raised before
//! the first await is kept; both listeners can be awaited at once; two
//! raised before one read come as one through a signalfd and as two
//! through a self-pipe; `ctrl_c` wakes; the signals no program may take
//! over are refused with a clear error.
//!
//! Each test signals its own thread (`raise`), and makes its listeners on
//! that thread, so no other thread of the test process can take the
//! signal.

use std::io;
use std::sync::{Mutex, MutexGuard};

use ch20_signals::{both_ways, refused};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::signal::Via;
use ghetto_loop::sys::{SIGHUP, SIGUSR1, SIGUSR2};

/// A self-pipe's handler belongs to the whole process: under `cargo test`,
/// whose tests share one process, the tests that install one take turns.
fn handlers() -> MutexGuard<'static, ()> {
    static HANDLERS: Mutex<()> = Mutex::new(());
    HANDLERS.lock().unwrap_or_else(|p| p.into_inner())
}

#[test]
fn signals_raised_before_the_first_await_are_kept_both_ways() -> io::Result<()> {
    let _turn = handlers();
    let timeline = Timeline::quiet();
    let got = both_ways::raised_before_the_first_await(&EventLoop::new()?, &timeline)?;
    assert_eq!(got, [SIGUSR1, SIGUSR2]);
    // Both were sent before anything awaited.
    assert!(timeline.position("main", "raise(SIGUSR1)") < timeline.position("usr1", "recv()"));
    Ok(())
}

#[test]
fn one_task_waits_on_both_and_each_comes_as_a_ready_fd() -> io::Result<()> {
    let _turn = handlers();
    let timeline = Timeline::quiet();
    let came = both_ways::side_by_side(&EventLoop::new()?, &timeline)?;
    assert_eq!(came, [SIGUSR2, SIGUSR1]);
    let events = timeline.events();
    // Each raise is followed by a pass in which a ready fd woke the task,
    // and only then by the delivery.
    for (raised, came) in [
        ("raise(SIGUSR2)", "SIGUSR2 came: a record from the signalfd"),
        ("raise(SIGUSR1)", "SIGUSR1 came: a byte from the self-pipe"),
    ] {
        let r = timeline.position("timer", raised);
        let c = timeline.position("main", came);
        assert!(
            events[r..c]
                .iter()
                .any(|e| e.who == "loop" && e.what.contains("ready fd")),
            "{:#?}",
            &events[r..=c]
        );
    }
    Ok(())
}

#[test]
fn two_raised_before_a_read_are_one_through_a_signalfd() -> io::Result<()> {
    let taken = both_ways::raised_twice(&EventLoop::new()?, SIGHUP, Via::SignalFd)?;
    assert_eq!(taken, 1, "standard signals do not queue");
    Ok(())
}

#[test]
fn two_raised_one_after_the_other_are_two_bytes_through_a_self_pipe() -> io::Result<()> {
    let _turn = handlers();
    let taken = both_ways::raised_twice(&EventLoop::new()?, SIGUSR1, Via::SelfPipe)?;
    assert_eq!(taken, 2, "the handler ran inside each raise");
    Ok(())
}

#[test]
fn ctrl_c_returns_when_sigint_comes() -> io::Result<()> {
    let timeline = Timeline::quiet();
    both_ways::ctrl_c_wakes(&EventLoop::new()?, &timeline)?;
    assert!(timeline.position("timer", "raise(SIGINT)") < timeline.position("main", "returned"));
    Ok(())
}

#[test]
fn sigkill_sigstop_and_sigsegv_are_refused_with_a_clear_error() -> io::Result<()> {
    let _turn = handlers();
    let refused = refused::try_all(&EventLoop::new()?.handle())?;
    assert_eq!(refused.len(), 6, "three signals, both ways");
    for (name, via, error) in refused {
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{name} {via:?}");
        let says = match name {
            "SIGKILL" | "SIGSTOP" => "cannot be caught or blocked",
            _ => "fault signal",
        };
        assert!(error.to_string().contains(says), "{name}: {error}");
    }
    Ok(())
}

//! A self-pipe and a signalfd on one loop, side by side (chapter 20).
//!
//! Throughout, `SIGUSR1` goes through a self-pipe and `SIGUSR2` and
//! `SIGHUP` through a signalfd, and it is best not to mix them on one
//! thread: a signalfd blocks its signal in the thread, and ghetto-loop
//! leaves it blocked when the listener is dropped (unblocking it would let
//! a pending one take its default action: for most signals, the end of the
//! process). A self-pipe's handler never runs for a blocked signal.
//!
//! Every signal here is sent with `raise`, which signals the calling
//! thread: the loop's own, where each listener was made.

use std::future::poll_fn;
use std::io;
use std::task::Poll;
use std::time::Duration;

use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::signal::{Signals, Via, ctrl_c};
use ghetto_loop::sys::{SIGINT, SIGUSR1, SIGUSR2, raise_signal, signal_name};
use ghetto_loop::time::{Either, select};

/// Listens for `SIGUSR1` by a self-pipe and `SIGUSR2` by a signalfd,
/// raises both before anything awaits them, then awaits them: both are
/// there. Returns them in the order they were received.
pub fn raised_before_the_first_await(lp: &EventLoop, timeline: &Timeline) -> io::Result<[i32; 2]> {
    let usr1 = Signals::on(lp, SIGUSR1, Via::SelfPipe)?;
    timeline.log(
        "usr1",
        "Signals::on(SIGUSR1, SelfPipe): handler installed; the loop watches the pipe's read end",
    );
    let usr2 = Signals::on(lp, SIGUSR2, Via::SignalFd)?;
    timeline.log(
        "usr2",
        "Signals::on(SIGUSR2, SignalFd): blocked in this thread; the loop watches the signalfd",
    );
    raise_signal(SIGUSR1)?;
    raise_signal(SIGUSR2)?;
    timeline.log(
        "main",
        "raise(SIGUSR1), raise(SIGUSR2): both sent before anything awaits them",
    );
    lp.block_on(async {
        let first = usr1.recv().await?;
        timeline.log(
            "usr1",
            "recv() -> SIGUSR1 at once: its byte waited in the pipe",
        );
        let second = usr2.recv().await?;
        timeline.log(
            "usr2",
            "recv() -> SIGUSR2 at once: it waited in the kernel, pending and blocked",
        );
        Ok([first, second])
    })?
}

/// One task waits on both listeners at once, twice, while a timer raises
/// a signal 100 ms into each wait: `SIGUSR2`, then `SIGUSR1`. The loop's
/// record of its passes (`on_pass`, which this sets: give it a loop of its
/// own) shows each arriving as a ready fd. Returns the signals in the
/// order they came.
pub fn side_by_side(lp: &EventLoop, timeline: &Timeline) -> io::Result<Vec<i32>> {
    let usr1 = Signals::on(lp, SIGUSR1, Via::SelfPipe)?;
    let usr2 = Signals::on(lp, SIGUSR2, Via::SignalFd)?;
    // Each timer is set when its wait begins, not both up front: a thread
    // kept off the CPU for 100 ms would otherwise see both fire in one
    // pass and take them in the order `select` polls, not the one sent.
    let raise_soon = |signal| {
        let log = timeline.clone();
        lp.call_later(Duration::from_millis(100), move || {
            log.log(
                "timer",
                format!("raise({}) from a callback on the loop", signal_name(signal)),
            );
            if let Err(e) = raise_signal(signal) {
                log.log("timer", format!("raise failed: {e}"));
            }
        });
    };
    let log = timeline.clone();
    lp.on_pass(move |pass| {
        if pass.io_callbacks > 0 {
            log.log(
                "loop",
                format!(
                    "pass {}: the selector reported a ready fd; {} task(s) woken",
                    pass.number, pass.io_callbacks
                ),
            );
        }
    });
    timeline.log(
        "main",
        "one task awaits select(usr1.recv(), usr2.recv()), twice",
    );
    lp.block_on(async {
        let mut came = Vec::new();
        for signal in [SIGUSR2, SIGUSR1] {
            raise_soon(signal);
            // Both `recv`s are cancel safe: the loser took no delivery.
            let (signal, how) = match select(usr1.recv(), usr2.recv()).await {
                Either::Left(got) => (got?, "a byte from the self-pipe"),
                Either::Right(got) => (got?, "a record from the signalfd"),
            };
            timeline.log("main", format!("{} came: {how}", signal_name(signal)));
            came.push(signal);
        }
        Ok::<_, io::Error>(came)
    })?
}

/// Raises `signal` twice, then takes every delivery waiting for a
/// listener made `via`, without waiting for more: how many there were.
///
/// Through a signalfd: 1. The kernel keeps one bit per standard signal,
/// "pending", not a count. Through a self-pipe: 2. Each `raise` ran the
/// handler before it returned, so the first was never pending when the
/// second came, and each wrote its byte. Two sent, one or two received:
/// a program can only take a delivery to mean "at least once since I
/// last looked".
pub fn raised_twice(lp: &EventLoop, signal: i32, via: Via) -> io::Result<usize> {
    let listener = Signals::on(lp, signal, via)?;
    raise_signal(signal)?;
    raise_signal(signal)?;
    lp.block_on(poll_fn(|cx| {
        let mut taken = 0;
        // Everything sent is already in the pipe or pending in the kernel:
        // `raise` returns after the signal was delivered. Take until the
        // fd says `WouldBlock` (a `Pending` here).
        while let Poll::Ready(got) = listener.poll_recv(cx) {
            if let Err(e) = got {
                return Poll::Ready(Err(e));
            }
            taken += 1;
        }
        Poll::Ready(Ok(taken))
    }))?
}

/// `ctrl_c().await` while a timer raises `SIGINT` 50 ms later, as if
/// Ctrl-C had been pressed. `ctrl_c` makes its listener when first polled,
/// so the raise must come after that: a `SIGINT` before it would take the
/// default action and end the process.
pub fn ctrl_c_wakes(lp: &EventLoop, timeline: &Timeline) -> io::Result<()> {
    let log = timeline.clone();
    lp.call_later(Duration::from_millis(50), move || {
        log.log("timer", "raise(SIGINT): as if Ctrl-C were pressed");
        if let Err(e) = raise_signal(SIGINT) {
            log.log("timer", format!("raise failed: {e}"));
        }
    });
    timeline.log("main", "ctrl_c().await");
    lp.block_on(ctrl_c())??;
    timeline.log("main", "ctrl_c() returned");
    Ok(())
}

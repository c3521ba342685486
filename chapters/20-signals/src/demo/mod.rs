//! The chapter's demo, in three parts (chapter 20):
//!
//! 1. a self-pipe and a signalfd on one loop: signals raised before the
//!    first await, both waited for at once, two raised before one read,
//!    and `ctrl_c`;
//! 2. the signals a listener refuses, with their errors;
//! 3. the line server shut down gracefully by a SIGTERM the demo sends
//!    itself, with clients in every state.
//!
//! Each part runs on a loop of its own. The demo checks what happened and
//! fails if it is not what the chapter claims.

pub mod shutdown;

use anyhow::{bail, ensure};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::signal::Via;
use ghetto_loop::sys::{SIGHUP, SIGUSR1, SIGUSR2, signal_name};

use crate::{both_ways, refused};

/// Runs the three parts, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    both_ways_part(timeline)?;
    refused_part(timeline)?;
    shutdown_part(timeline)
}

/// Part 1: both ways, on one loop.
fn both_ways_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let early = both_ways::raised_before_the_first_await(&lp, timeline)?;
    ensure!(
        early == [SIGUSR1, SIGUSR2],
        "lost an early signal: {early:?}"
    );

    let lp = EventLoop::new()?;
    let came = both_ways::side_by_side(&lp, timeline)?;
    ensure!(came == [SIGUSR2, SIGUSR1], "out of order: {came:?}");

    let lp = EventLoop::new()?;
    for (signal, via) in [(SIGUSR1, Via::SelfPipe), (SIGHUP, Via::SignalFd)] {
        let taken = both_ways::raised_twice(&lp, signal, via)?;
        timeline.log(
            "twice",
            format!(
                "raise({}) twice, then one look at the {}: {}",
                signal_name(signal),
                match via {
                    Via::SelfPipe => "self-pipe",
                    Via::SignalFd => "signalfd",
                },
                match taken {
                    1 => "1 delivery".to_owned(),
                    n => format!("{n} deliveries"),
                }
            ),
        );
    }
    timeline.log(
        "twice",
        "the handler ran inside each raise and wrote a byte each time; the kernel keeps one pending bit per signal, not a count",
    );

    let lp = EventLoop::new()?;
    both_ways::ctrl_c_wakes(&lp, timeline)?;
    Ok(())
}

/// Part 2: the refused signals.
fn refused_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    for (name, via, error) in refused::try_all(&lp)? {
        // Both ways give the same error; show it once per signal.
        if via == Via::SignalFd {
            timeline.log("refused", format!("{name}: {error}"));
        }
    }
    Ok(())
}

/// Part 3: the graceful shutdown.
fn shutdown_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let outcome = lp.block_on(shutdown::scenario(timeline, shutdown::OPTIONS))??;
    let summary = outcome.summary;
    timeline.log("server", summary);
    if outcome.heard != shutdown::expected() {
        bail!(
            "the clients heard {:?}, expected {:?}",
            outcome.heard,
            shutdown::expected()
        );
    }
    let received: usize = outcome
        .heard
        .iter()
        .flat_map(|(_, lines)| lines)
        .filter(|l| l.starts_with("ok "))
        .count();
    ensure!(
        summary.lost() == 0 && received as u64 == summary.acked,
        "acknowledged {} but the clients received {received}",
        summary.acked
    );
    ensure!(
        outcome
            .late_connect
            .as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused),
        "a connection after the signal was not refused: {:?}",
        outcome.late_connect
    );
    timeline.log(
        "check",
        format!(
            "{} acknowledged, {received} received by the clients, each by the client that asked: nothing acknowledged was lost",
            summary.acked
        ),
    );
    Ok(())
}

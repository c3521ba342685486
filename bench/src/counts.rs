//! Figures that noise cannot move: instructions and system calls per
//! operation, ghetto-loop against tokio (`make bench-counts`).
//!
//! Timings move by tens of percent between runs on a shared machine; counts
//! repeat. Each figure here is the difference of two runs that differ only
//! in the amount of work, over that difference, `(count(large) -
//! count(small)) / (large - small)`, so that start-up and shut-down cancel:
//!
//! * **instructions**: user-space instructions, counted by valgrind's
//!   callgrind, the same every run for the same binary and inputs;
//! * **system calls**: counted exactly by `strace -f -c`.
//!
//! Both count every thread of the counted process and nothing else. The
//! echo rows count a server (`bench serve NAME ADDR --callgrind FILE`) while
//! the load comes from this process, which is not counted, paced so that the
//! server always goes back to waiting between round trips; at 100
//! connections the round trips take the connections in turn. The other rows
//! count a child that does N of one operation and nothing else (`bench op`),
//! the same code on both runtimes where their APIs allow it (the mutex and
//! channel workloads are [`crate::sync`]'s, spawn+join is [`crate::tasks`]').

use std::future::Future;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

use crate::child::Runtime;
use crate::counts_table::{self, Comparison, ReportCounts, Row, Table};
use crate::load::CountedLoad;
use crate::pin::{self, Pinning, Placement};
use crate::servers::{self, Server, Threads};
use crate::sync::{Hold, SyncPlan};
use crate::syscalls::{self, Tracer};
use crate::tasks::TaskPlan;
use crate::wakes;

/// The one-thread servers the issue leaves out of the echo rows: select
/// and poll rebuild or rescan their sets every turn, a cost the timing
/// tables already show; the count starts at chapter 06's epoll.
const BEFORE_EPOLL: [&str; 2] = ["ch04-select", "ch05-poll"];

/// Bytes per echo message.
const MESSAGE: usize = 64;

/// The pause after each echo: long enough for a server under callgrind
/// (~50x slower) to go back to waiting before the next message.
const PAUSE: Duration = Duration::from_millis(1);

/// The pause after each connect: taking a connection (accept, register,
/// first poll) is several times an echo's work, and under callgrind a
/// millisecond does not always cover it.
const SETTLE: Duration = Duration::from_millis(5);

/// The channel's capacity in the channel row.
const CAPACITY: usize = 16;

/// A timer row's sleep: a whole millisecond, which tokio does not round.
const TIMER: Duration = Duration::from_millis(1);

/// One operation a child does N times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Spawn an empty task and await its end.
    SpawnJoin,
    /// Wake a parked task from another task on the loop's thread.
    WakeLocal,
    /// Wake a parked task from a thread of its own.
    WakeRemote,
    /// Sleep 1 ms: one timer armed and fired.
    Timer,
    /// One message through a bounded channel to another task.
    Channel,
    /// One mutex hand-off between two tasks.
    MutexHandoff,
}

impl Op {
    /// Every operation, in the table's order.
    pub const ALL: [Op; 6] = [
        Op::SpawnJoin,
        Op::WakeLocal,
        Op::WakeRemote,
        Op::Timer,
        Op::Channel,
        Op::MutexHandoff,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Op::SpawnJoin => "spawn-join",
            Op::WakeLocal => "wake-local",
            Op::WakeRemote => "wake-remote",
            Op::Timer => "timer",
            Op::Channel => "channel",
            Op::MutexHandoff => "mutex-handoff",
        }
    }

    /// The operation called `name`.
    pub fn named(name: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.name() == name)
    }

    /// What the row says it is.
    fn what(self) -> &'static str {
        match self {
            Op::SpawnJoin => "spawn+join of an empty task",
            Op::WakeLocal => "wake a parked task, from the loop's thread",
            Op::WakeRemote => "wake a parked task, from another thread",
            Op::Timer => "one 1 ms timer fired",
            Op::Channel => "one message, bounded channel (capacity 16)",
            Op::MutexHandoff => "one mutex hand-off (2 tasks)",
        }
    }

    /// Why ghetto-loop makes more system calls than tokio here, and what
    /// would close the gap; `None` where it does not. The table prints it
    /// next to a row only when the row is behind.
    fn why_behind(self) -> Option<&'static str> {
        match self {
            Op::Channel | Op::MutexHandoff => Some(
                "a zero-timeout `epoll_wait` per pass: ghetto-loop keeps asyncio's rule \
                 (chapter 11) that a pass runs only what was queued before it began and \
                 looks at the fds once, so a task woken by another task runs in the next \
                 pass, after a look. A mutex hand-off takes two passes (the woken task's, \
                 then its yield's) where tokio looks once (for the yield); a full channel \
                 parks its sender, so every 16 messages take two passes where tokio, which \
                 looks at I/O only when its queue is empty or every 61 polls \
                 (`event_interval`), takes none. Running the tasks woken during a pass in \
                 that same pass, up to a budget, would close it, and would undo the rule \
                 chapter 11 teaches and tests.",
            ),
            _ => None,
        }
    }

    /// The two amounts of work; timers and wake-ups from another thread
    /// wait in real time, so fewer.
    fn sizes(self, quick: bool) -> (usize, usize) {
        match (self, quick) {
            (_, true) => (20, 60),
            (Op::Timer, false) => (100, 500),
            (Op::WakeRemote, false) => (500, 2_500),
            (_, false) => (1_000, 5_000),
        }
    }
}

/// Why ghetto-loop is behind tokio on the operation a row calls `what`,
/// if that operation has a known reason.
pub(crate) fn why_behind(what: &str) -> Option<&'static str> {
    Op::ALL
        .into_iter()
        .find(|op| op.what() == what)
        .and_then(Op::why_behind)
}

/// Whether valgrind runs here: `Err` says why not and what to do.
pub fn valgrind_ready() -> Result<(), String> {
    match std::process::Command::new("valgrind")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!("valgrind --version failed ({})", out.status)),
        Err(e) => Err(format!(
            "valgrind cannot be started ({e}): install it (Debian, Ubuntu: \
             `sudo apt-get install valgrind`) and run again"
        )),
    }
}

/// The instructions callgrind counted, from its `summary:` (or `totals:`)
/// line.
pub fn parse_callgrind(text: &str) -> anyhow::Result<u64> {
    text.lines()
        .find_map(|line| {
            let rest = line
                .strip_prefix("summary:")
                .or_else(|| line.strip_prefix("totals:"))?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .ok_or_else(|| anyhow!("callgrind's output has no summary line"))
}

/// The count a tracer wrote: instructions, or every system call.
fn parse_count(tracer: Tracer, text: &str) -> anyhow::Result<u64> {
    match tracer {
        Tracer::Callgrind => parse_callgrind(text),
        Tracer::Strace => Ok(syscalls::parse_summary(text)?
            .values()
            .map(|(calls, _)| calls)
            .sum()),
    }
}

/// `bench counts`: every row, written to `out/counts.md` and
/// `out/counts.csv`, compared with the run before.
pub fn run(quick: bool, out: &Path) -> anyhow::Result<()> {
    let dir = out.join("counts");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ready = [
        (Tracer::Callgrind, valgrind_ready()),
        (Tracer::Strace, syscalls::strace_ready()),
    ];
    for (tracer, why) in &ready {
        if let Err(why) = why {
            eprintln!("note: no {tracer:?} counts: {why}");
        }
    }
    // Server and load on CPUs of their own when there are two: the load's
    // work is not counted, but it should not delay the server's.
    let cpus = pin::allowed_cpus().context("cannot read the CPUs allowed")?;
    let place = Pinning::Split
        .placement(&cpus)
        .or_else(|| Pinning::Shared.placement(&cpus))
        .ok_or_else(|| anyhow!("no CPU to run on"))?;
    let mut rows = Vec::new();
    for connections in [1, 100] {
        if quick && connections > 1 {
            continue;
        }
        for server in echo_servers(quick) {
            let what = format!("echo round trip, {connections} connection(s)");
            eprintln!("counts: {what}: {}", server.name);
            let count = |tracer: Tracer| -> Result<f64, String> {
                ready_for(&ready, tracer)?;
                echo_count(server, tracer, connections, quick, place, &dir)
                    .map_err(|e| format!("{e:#}"))
            };
            rows.push(Row {
                what,
                who: server.name.to_owned(),
                instructions: count(Tracer::Callgrind),
                syscalls: count(Tracer::Strace),
            });
        }
    }
    let ops: &[Op] = if quick {
        &[Op::SpawnJoin, Op::Channel]
    } else {
        &Op::ALL
    };
    for &op in ops {
        for runtime in Runtime::ALL {
            eprintln!("counts: {}: {}", op.name(), runtime.name());
            let count = |tracer: Tracer| -> Result<f64, String> {
                ready_for(&ready, tracer)?;
                op_count(op, runtime, tracer, quick, &dir).map_err(|e| format!("{e:#}"))
            };
            rows.push(Row {
                what: op.what().to_owned(),
                who: runtime.name().to_owned(),
                instructions: count(Tracer::Callgrind),
                syscalls: count(Tracer::Strace),
            });
        }
    }
    let table = Table {
        rows,
        quick,
        build: counts_table::build_id()?,
    };
    let comparison = table.write(out)?;
    eprintln!(
        "bench: counts in {}",
        out.join(counts_table::MARKDOWN).display()
    );
    if let Some(Comparison {
        largest: Some(change),
        ..
    }) = comparison
    {
        eprintln!(
            "bench: largest change since the run before: {:.3} % ({}, {})",
            change.share * 100.0,
            change.row,
            change.column
        );
    }
    Ok(())
}

/// The counts for a run's report: the table in `out` if it is a full run
/// of this same build, else (if `count_if_missing`) a fresh full count
/// (~3 min).
pub fn for_report(out: &Path, count_if_missing: bool) -> anyhow::Result<ReportCounts> {
    let build = counts_table::build_id()?;
    if let Ok((table, comparison)) = Table::read(out)
        && table.build == build
        && !table.quick
    {
        eprintln!("bench: counts per operation of this build found, reused");
        return Ok(ReportCounts {
            table,
            comparison,
            reused: true,
        });
    }
    if !count_if_missing {
        bail!(
            "this suite only reuses the table `make bench-counts` writes, and {} holds \
             none from this build: run `make bench-counts`, then this again",
            out.display()
        );
    }
    eprintln!("bench: counting instructions and system calls per operation (~3 min)");
    run(false, out)?;
    let (table, comparison) = Table::read(out)?;
    Ok(ReportCounts {
        table,
        comparison,
        reused: false,
    })
}

/// `Err` (why) if `tracer` cannot run here.
fn ready_for(ready: &[(Tracer, Result<(), String>)], tracer: Tracer) -> Result<(), String> {
    match ready.iter().find(|(t, _)| *t == tracer) {
        Some((_, Err(why))) => Err(why.clone()),
        _ => Ok(()),
    }
}

/// The servers of the echo rows: tokio and every one-thread server from
/// chapter 06 on (tokio and the last one when quick).
fn echo_servers(quick: bool) -> Vec<&'static Server> {
    let all: Vec<&Server> = servers::SERVERS
        .iter()
        .filter(|s| s.threads == Threads::One && !BEFORE_EPOLL.contains(&s.name))
        .collect();
    if quick {
        let last = all.last().map(|s| s.name);
        all.into_iter()
            .filter(|s| s.name == servers::TOKIO || Some(s.name) == last)
            .collect()
    } else {
        all
    }
}

/// A server's count per round trip at `connections`: two runs of fresh
/// servers under `tracer`, the difference over the difference.
fn echo_count(
    server: &Server,
    tracer: Tracer,
    connections: usize,
    quick: bool,
    place: Placement,
    dir: &Path,
) -> anyhow::Result<f64> {
    let (small, large) = if quick { (20, 60) } else { (200, 1_000) };
    let log = dir.join(format!("{}.log", server.name));
    let mut counts = Vec::new();
    for n in [small, large] {
        let file = dir.join(format!("{}-{tracer:?}-{connections}c-{n}.out", server.name));
        let load = |addr| CountedLoad {
            addr,
            round_trips: n,
            message: MESSAGE,
            pause: Some(PAUSE),
            settle: Some(SETTLE),
            cpu: place.client,
            connections,
        };
        let text = syscalls::traced_run(server, tracer, place.server, &log, &file, load)?;
        counts.push(parse_count(tracer, &text).with_context(|| format!("in {}", file.display()))?);
    }
    Ok(per_op(counts[0], counts[1], large - small))
}

/// `op`'s count per operation on `runtime`: two runs of `bench op` under
/// `tracer`.
fn op_count(
    op: Op,
    runtime: Runtime,
    tracer: Tracer,
    quick: bool,
    dir: &Path,
) -> anyhow::Result<f64> {
    let exe = crate::this_binary();
    let (small, large) = op.sizes(quick);
    let mut counts = Vec::new();
    for n in [small, large] {
        let file = dir.join(format!(
            "{}-{}-{tracer:?}-{n}.out",
            op.name(),
            runtime.name()
        ));
        let out = tracer
            .command(&file)
            .arg(&exe)
            .args(["op", op.name(), runtime.name(), &n.to_string()])
            .env(ghetto_loop::sys::SELECTOR_ENV, "epoll")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot run {tracer:?}"))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            bail!(
                "`bench op {}` failed ({}): {}",
                op.name(),
                out.status,
                stderr.trim()
            );
        }
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        counts.push(parse_count(tracer, &text).with_context(|| format!("in {}", file.display()))?);
    }
    Ok(per_op(counts[0], counts[1], large - small))
}

/// `(large - small) / ops`.
fn per_op(small: u64, large: u64, ops: usize) -> f64 {
    (large as f64 - small as f64) / ops as f64
}

/// The child side, `bench op`: `n` of `op` on `runtime`, and nothing else
/// that grows with `n`.
pub fn do_op(op: Op, runtime: Runtime, n: usize) -> anyhow::Result<()> {
    match runtime {
        Runtime::Tokio => {
            let rt = Runtime::tokio()?;
            match op {
                // spawn_join_ns runs an untimed batch, then one timed: 2n.
                Op::SpawnJoin => {
                    let _ = rt.block_on(crate::tasks::spawn_join_ns(half(n), tokio::spawn))?;
                }
                Op::WakeLocal => {
                    rt.block_on(wakes::wake_local(n, tokio::spawn, tokio::task::yield_now))?
                }
                Op::WakeRemote => {
                    let (handoff, heard) = wakes::Handoff::new()?;
                    // The hook runs each time the runtime is about to sleep,
                    // after every task's poll has returned.
                    let rt = Runtime::tokio_builder()
                        .on_thread_park({
                            let handoff = handoff.clone();
                            move || handoff.announce()
                        })
                        .build()?;
                    rt.block_on(wakes::wake_remote(n, handoff, heard, tokio::spawn))?
                }
                Op::Timer => rt.block_on(timers(n, tokio::time::sleep)),
                Op::Channel => {
                    let _ = rt.block_on(crate::sync::tokio_channel(channel(n)))?;
                }
                Op::MutexHandoff => {
                    let _ =
                        rt.block_on(crate::sync::tokio_mutex(handoffs(n), Hold::AcrossYield))?;
                }
            }
        }
        Runtime::GhettoLoop => {
            use ghetto_loop::{run, task};
            match op {
                Op::SpawnJoin => {
                    let _ = run(crate::tasks::spawn_join_ns(half(n), task::spawn))??;
                }
                Op::WakeLocal => run(wakes::wake_local(n, task::spawn, task::yield_now))??,
                Op::WakeRemote => {
                    let (handoff, heard) = wakes::Handoff::new()?;
                    run(async move {
                        // The hook runs at the end of each pass, after the
                        // pass's polls have returned.
                        let announcer = handoff.clone();
                        ghetto_loop::event_loop::LoopHandle::current()
                            .on_pass(move |_| announcer.announce());
                        wakes::wake_remote(n, handoff, heard, task::spawn).await
                    })??
                }
                Op::Timer => run(timers(n, ghetto_loop::time::sleep))?,
                Op::Channel => {
                    let _ = run(crate::sync::ghetto_channel(channel(n)))??;
                }
                Op::MutexHandoff => {
                    let _ = run(crate::sync::ghetto_mutex(handoffs(n), Hold::AcrossYield))??;
                }
            }
        }
    }
    Ok(())
}

/// A spawn+join plan of `n` tasks in all (two batches of `n / 2`).
fn half(n: usize) -> TaskPlan {
    TaskPlan {
        tasks: (n / 2).max(1),
        batches: 1,
    }
}

/// A channel plan of `n` messages.
fn channel(n: usize) -> SyncPlan {
    SyncPlan {
        messages: n,
        capacity: CAPACITY,
        ..SyncPlan::default()
    }
}

/// A mutex plan of `n` hand-offs: two tasks, each holding the lock across a
/// yield, so every unlock hands it to the other.
fn handoffs(n: usize) -> SyncPlan {
    SyncPlan {
        tasks: 2,
        locks: (n / 2).max(1),
        ..SyncPlan::default()
    }
}

/// `n` timers, one after another.
async fn timers<S: Future<Output = ()>>(n: usize, sleep: impl Fn(Duration) -> S) {
    for _ in 0..n {
        sleep(TIMER).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callgrind_summary_parses() {
        let text = "version: 1\ncmd: x\nevents: Ir\nsummary: 300244\n\ntotals: 300244\n";
        assert_eq!(parse_callgrind(text).unwrap(), 300_244);
        assert!(parse_callgrind("events: Ir\n").is_err());
    }

    #[test]
    fn operations_have_names() {
        for op in Op::ALL {
            assert_eq!(Op::named(op.name()), Some(op));
        }
        assert_eq!(per_op(100, 300, 100), 2.0);
    }

    #[test]
    fn the_report_reuses_the_counts_of_the_same_build() {
        let dir = std::env::temp_dir().join(format!("bench-counts-reuse-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let table = Table {
            rows: vec![Row {
                what: Op::Channel.what().to_owned(),
                who: "ghetto-loop".to_owned(),
                instructions: Ok(372.4),
                syscalls: Ok(0.125),
            }],
            quick: false,
            build: counts_table::build_id().unwrap(),
        };
        table.write(&dir).unwrap();
        // Counting afresh would take minutes and replace the row: reused,
        // it comes back as written.
        let counts = for_report(&dir, false).unwrap();
        assert!(counts.reused);
        assert_eq!(counts.table, table);
        let md = counts.markdown();
        assert!(md.starts_with("## Counts per operation"), "{md}");
        assert!(
            md.contains("| ghetto-loop | 372.4 | - | 0.12 | - |"),
            "{md}"
        );
        assert!(md.contains("reused"), "{md}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_operation_runs_on_both_runtimes() {
        for op in Op::ALL {
            for runtime in Runtime::ALL {
                do_op(op, runtime, 4).unwrap();
            }
        }
    }
}

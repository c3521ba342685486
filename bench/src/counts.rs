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

use std::fmt::Write as _;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

use crate::child::Runtime;
use crate::load::CountedLoad;
use crate::pin::{self, Pinning, Placement};
use crate::servers::{self, Server, Threads};
use crate::sync::{Hold, SyncPlan};
use crate::syscalls::{self, Tracer};
use crate::tasks::TaskPlan;

/// The one-thread servers the issue leaves out of the echo rows: select
/// and poll rebuild or rescan their sets every turn, a cost the timing
/// tables already show; the count starts at chapter 06's epoll.
const BEFORE_EPOLL: [&str; 2] = ["ch04-select", "ch05-poll"];

/// The servers that zero a 16 KiB read buffer before every read (chapter
/// 06's `[0u8; READ_CHUNK]`, chapter 10's `vec![0; max]`, chapter 11's
/// `[0u8; 16 * 1024]`): callgrind counts the `rep stos` once per element,
/// so that zeroing is most of their instructions per round trip.
const ZEROES_PER_READ: [&str; 3] = ["ch06-epoll", "ch10-generator-loop", "ch11-event-loop"];

/// Below this many system calls per operation for tokio, no ratio: a
/// fraction from the allocator's occasional `brk` is not a baseline.
const RATIO_FLOOR: f64 = 0.1;

/// Bytes per echo message.
const MESSAGE: usize = 64;

/// The pause after each echo: long enough for a server under callgrind
/// (~50x slower) to go back to waiting before the next message.
const PAUSE: Duration = Duration::from_millis(1);

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

    /// The two amounts of work; timers wait in real time, so fewer.
    fn sizes(self, quick: bool) -> (usize, usize) {
        match (self, quick) {
            (_, true) => (20, 60),
            (Op::Timer, false) => (100, 500),
            (_, false) => (1_000, 5_000),
        }
    }
}

/// One row: a count per operation for one runtime or server.
#[derive(Debug, Clone)]
struct Row {
    /// The operation, as the table says it.
    what: String,
    /// The runtime or server.
    who: String,
    /// Instructions per operation, or why there is none.
    instructions: Result<f64, String>,
    /// System calls per operation, or why there is none.
    syscalls: Result<f64, String>,
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

/// `bench counts`: every row, written to `out/counts.md`.
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
    let path = out.join("counts.md");
    std::fs::write(&path, render(&rows, quick))
        .with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("bench: counts in {}", path.display());
    Ok(())
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
    let exe = std::env::current_exe().context("cannot find the bench binary to re-run")?;
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
                    rt.block_on(wake_local(n, tokio::spawn, tokio::task::yield_now))?
                }
                Op::WakeRemote => rt.block_on(wake_remote(n, tokio::spawn))?,
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
                Op::WakeLocal => run(wake_local(n, task::spawn, task::yield_now))??,
                Op::WakeRemote => run(wake_remote(n, task::spawn))??,
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

/// What a [`Parked`] task and its waker share.
#[derive(Debug, Default)]
struct Doorbell {
    state: Mutex<Bell>,
    /// Rung when the task parks, for a waker on another thread.
    parked: Condvar,
}

#[derive(Debug, Default)]
struct Bell {
    /// Set by the waker, cleared by the task.
    rung: bool,
    /// The parked task's waker.
    waker: Option<Waker>,
    /// A thread waits on `parked`: only then is it notified, since
    /// notifying costs a `futex` call even when nobody waits.
    watched: bool,
}

impl Doorbell {
    fn lock(&self) -> MutexGuard<'_, Bell> {
        // A poisoned lock means a panic elsewhere already failed the run.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the task is parked and waiting to be woken.
    fn parked(&self) -> bool {
        self.lock().waker.is_some()
    }

    /// Rings: takes the parked task's waker and wakes it.
    fn ring(&self, mut bell: MutexGuard<'_, Bell>) {
        bell.rung = true;
        let waker = bell.waker.take();
        drop(bell);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A task that parks `left` times, each time until its doorbell rings.
#[derive(Debug)]
struct Parked {
    bell: Arc<Doorbell>,
    left: usize,
}

impl Future for Parked {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let bell = self.bell.clone();
        let mut state = bell.lock();
        if state.rung {
            state.rung = false;
            self.left -= 1;
        }
        if self.left == 0 {
            return Poll::Ready(());
        }
        state.waker = Some(cx.waker().clone());
        let watched = state.watched;
        drop(state);
        if watched {
            bell.parked.notify_one();
        }
        Poll::Pending
    }
}

/// `n` wake-ups of a parked task by another task on the same thread, which
/// yields until the task has parked again.
async fn wake_local<H, E, Y>(
    n: usize,
    spawn: impl Fn(Parked) -> H,
    yield_now: impl Fn() -> Y,
) -> anyhow::Result<()>
where
    H: Future<Output = Result<(), E>>,
    E: std::error::Error + Send + Sync + 'static,
    Y: Future<Output = ()>,
{
    let bell = Arc::new(Doorbell::default());
    let task = spawn(Parked {
        bell: bell.clone(),
        left: n,
    });
    for _ in 0..n {
        while !bell.parked() {
            yield_now().await;
        }
        bell.ring(bell.lock());
    }
    task.await?;
    Ok(())
}

/// `n` wake-ups of a parked task by a thread of its own, which waits on a
/// condition variable until the task has parked again.
async fn wake_remote<H, E>(n: usize, spawn: impl Fn(Parked) -> H) -> anyhow::Result<()>
where
    H: Future<Output = Result<(), E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let bell = Arc::new(Doorbell::default());
    let task = spawn(Parked {
        bell: bell.clone(),
        left: n,
    });
    let waker = std::thread::Builder::new()
        .name("waker".to_owned())
        .spawn({
            let bell = bell.clone();
            move || {
                for _ in 0..n {
                    let mut state = bell.lock();
                    while state.waker.is_none() {
                        state.watched = true;
                        state = bell.parked.wait(state).unwrap_or_else(|e| e.into_inner());
                    }
                    state.watched = false;
                    bell.ring(state);
                }
            }
        })
        .context("cannot start the waking thread")?;
    task.await?;
    waker
        .join()
        .map_err(|_| anyhow!("the waking thread panicked"))?;
    Ok(())
}

/// The table, with what is deterministic and what is not.
fn render(rows: &[Row], quick: bool) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Counts per operation: ghetto-loop against tokio\n");
    if quick {
        let _ = writeln!(
            md,
            "**Quick run: proves the counts come out, not a measurement.**\n"
        );
    }
    let _ = writeln!(
        md,
        "Written by `make bench-counts` (`cargo run --release -p bench -- counts`). \
         Each figure is `(count(large) - count(small)) / (large - small)` over two \
         runs that differ only in the amount of work, so start-up and shut-down \
         cancel. **Instructions** are user-space instructions counted by valgrind's \
         callgrind: deterministic, the same every run to within a fraction of a \
         percent for the same build. **System calls** are counted exactly by \
         `strace -f -c`; they are deterministic where nothing races (the echo rows \
         are paced, 1 ms after each echo, so the server always goes back to \
         waiting), and can move where two threads race (the wake from another \
         thread, marked (r), whose instruction count moves too). No figure here is a timing; the timings are in `make bench`'s \
         report.\n"
    );
    let _ = writeln!(
        md,
        "Echo rows count the server process only; the load comes from the harness, \
         a separate process, 64-byte messages, at 100 connections taking the \
         connections in turn. Other rows count a child that does N of one operation \
         (`bench op`), the same code on both runtimes; both tracers count every \
         thread of the process, so the wake from another thread includes the waking \
         thread's condition-variable hand-off. callgrind counts a `rep stos` once per \
         element: a server that zeroes a 16 KiB buffer per read (chapter 06) shows \
         ~16,000 instructions for it.\n"
    );
    let _ = writeln!(
        md,
        "| operation | runtime / server | instructions/op | x tokio | syscalls/op | x tokio |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|");
    let mut notes = Vec::new();
    for row in rows {
        let tokio = rows
            .iter()
            .find(|r| r.what == row.what && r.who == servers::TOKIO);
        let cell =
            |figure: &Result<f64, String>, digits: usize, notes: &mut Vec<String>| match figure {
                Ok(v) => format!("{v:.digits$}"),
                Err(why) => {
                    notes.push(format!("{} / {}: {why}", row.what, row.who));
                    format!("n/a [{}]", notes.len())
                }
            };
        let ratio = |pick: fn(&Row) -> &Result<f64, String>| match (pick(row), tokio.map(pick)) {
            (Ok(v), Some(Ok(t))) if *t >= RATIO_FLOOR => format!("{:.2}", v / t),
            _ => "-".to_owned(),
        };
        let mut instructions = cell(&row.instructions, 1, &mut notes);
        if ZEROES_PER_READ.contains(&row.who.as_str()) {
            instructions.push_str(" (z)");
        }
        if row.what == Op::WakeRemote.what() {
            instructions.push_str(" (r)");
        }
        let mut syscalls = cell(&row.syscalls, 2, &mut notes);
        if row.what == Op::WakeRemote.what() {
            syscalls.push_str(" (r)");
        }
        let _ = writeln!(
            md,
            "| {} | {} | {instructions} | {} | {syscalls} | {} |",
            row.what,
            row.who,
            ratio(|r| &r.instructions),
            ratio(|r| &r.syscalls),
        );
    }
    let _ = writeln!(
        md,
        "\n(z): mostly the zeroing of a 16 KiB read buffer before every read, which \
         callgrind counts once per element (`rep stos`); the server's own work is \
         nearer the figures without it.\n\n(r): two threads race (does the waking \
         thread find the task parked, or must it sleep on the condition variable \
         first?), so both its counts move by a percent or two between runs: a figure to \
         read like a timing."
    );
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(md, "\n[{}] {note}", i + 1);
    }
    md
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
    fn every_operation_runs_on_both_runtimes() {
        for op in Op::ALL {
            for runtime in Runtime::ALL {
                do_op(op, runtime, 4).unwrap();
            }
        }
    }
}

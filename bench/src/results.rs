//! What a run measured: every run of every cell, and their summaries.

use std::time::{Duration, SystemTime};

use crate::child::Runtime;
use crate::failures::Failures;
use crate::load::EchoOutcome;
use crate::machine::Machine;
use crate::pin::{Pinning, Placement};
use crate::stats::Spread;
use crate::suite::Suite;
use crate::sync::{SyncFigures, SyncSummary};
use crate::syscalls::{Pacing, SyscallCount};
use crate::tasks::TaskFigures;
use crate::timers::{TimerFigures, TimerSummary};

/// The outcome of one run of one cell: a measurement, a failure, or a cell
/// that does not apply (select above its fd limit).
#[derive(Debug, Clone)]
pub enum Outcome<T> {
    /// Measured.
    Done(T),
    /// Could not be measured, and why (the server did not start, exited...).
    Failed(String),
    /// Not run, and why.
    NotApplicable(String),
}

/// One run of an echo cell, or of a few-busy-among-idle cell (an echo cell
/// with idle connections beside the busy ones).
#[derive(Debug, Clone)]
pub struct EchoRun {
    /// Server name.
    pub server: &'static str,
    /// Pinning mode.
    pub pinning: Pinning,
    /// Concurrent busy connections.
    pub connections: usize,
    /// Idle connections asked for beside them (0 in the echo figure).
    pub idle: usize,
    /// Which run (0-based).
    pub run: usize,
    /// What it measured.
    pub outcome: Outcome<EchoOutcome>,
}

/// One run of an idle-memory cell.
#[derive(Debug, Clone)]
pub struct MemoryRun {
    /// Server name.
    pub server: &'static str,
    /// Idle connections asked for.
    pub connections: usize,
    /// Which run (0-based).
    pub run: usize,
    /// What it measured.
    pub outcome: Outcome<Memory>,
}

/// A server's memory with its idle connections open.
#[derive(Debug, Clone)]
pub struct Memory {
    /// RSS after it announced its address, before any connection.
    pub rss_before: u64,
    /// RSS with the connections open.
    pub rss: u64,
    /// Threads with the connections open.
    pub threads: u64,
    /// Connections open when measured.
    pub established: usize,
    /// Connections that did not open.
    pub failures: Failures,
}

impl Memory {
    /// Bytes of RSS each open connection added, `None` if none opened.
    pub fn per_connection(&self) -> Option<f64> {
        (self.established > 0)
            .then(|| (self.rss as f64 - self.rss_before as f64) / self.established as f64)
    }
}

/// One selector-wait cell.
#[derive(Debug, Clone)]
pub struct WaitRun {
    /// `select`, `poll` or `epoll`.
    pub backend: &'static str,
    /// Idle fds registered.
    pub fds: usize,
    /// Nanoseconds per wait over the timed batches.
    pub outcome: Outcome<Spread>,
}

/// One syscall cell: a server's system calls per round trip at one pacing.
#[derive(Debug, Clone)]
pub struct SyscallRun {
    /// Server name.
    pub server: &'static str,
    /// How the client spaced its messages.
    pub pacing: Pacing,
    /// Which run (0-based).
    pub run: usize,
    /// Calls per round trip, by name.
    pub outcome: Outcome<SyscallCount>,
}

/// A syscall cell over its runs.
#[derive(Debug, Clone)]
pub struct SyscallSummary {
    /// The run with the median total: its calls by name and by group.
    pub median: SyscallCount,
    /// The total per round trip: the median run's, and the range over runs.
    pub total: Spread,
}

/// One run of a runtime figure (tasks, timers, sync): a fresh child
/// process measuring one runtime.
#[derive(Debug, Clone)]
pub struct RuntimeRun<T> {
    /// Which runtime.
    pub runtime: Runtime,
    /// Which run (0-based).
    pub run: usize,
    /// What it measured.
    pub outcome: Outcome<T>,
}

/// One run of a task cell.
pub type TaskRun = RuntimeRun<TaskFigures>;

/// A task cell over its runs.
#[derive(Debug, Clone, Copy)]
pub struct TaskSummary {
    /// Nanoseconds per spawn and join.
    pub spawn_join_ns: Spread,
    /// RSS bytes per parked task.
    pub idle_task_bytes: Spread,
}

/// Everything a run produced; the report, plots and CSV are views of it.
#[derive(Debug, Clone)]
pub struct Results {
    /// What was asked for.
    pub suite: Suite,
    /// The command line that produced it, as Markdown (in backticks).
    pub command: String,
    /// Where it ran.
    pub machine: Machine,
    /// The CPUs each pinning mode used (modes the machine cannot do are
    /// missing).
    pub placements: Vec<(Pinning, Placement)>,
    /// When it started.
    pub started: SystemTime,
    /// How long it took.
    pub elapsed: Duration,
    /// Load averages before and after.
    pub load_before: String,
    /// Load averages after.
    pub load_after: String,
    /// Every echo run.
    pub echo: Vec<EchoRun>,
    /// Every few-busy-among-idle run.
    pub busy: Vec<EchoRun>,
    /// Every memory run.
    pub memory: Vec<MemoryRun>,
    /// Every selector-wait cell.
    pub waits: Vec<WaitRun>,
    /// Every syscall cell.
    pub syscalls: Vec<SyscallRun>,
    /// Every run of every task cell.
    pub tasks: Vec<TaskRun>,
    /// Every run of every timer cell.
    pub timers: Vec<RuntimeRun<TimerFigures>>,
    /// Every run of every sync cell.
    pub sync: Vec<RuntimeRun<SyncFigures>>,
    /// The counts per operation, or why there are none.
    pub counts: Result<crate::counts_table::ReportCounts, String>,
    /// Chapter 21's HTTP server under wrk, its fetcher, its system calls.
    pub http: crate::http::HttpResults,
}

/// A cell's runs boiled down to what a table shows.
#[derive(Debug, Clone)]
pub enum Summary<T> {
    /// At least one run measured something.
    Value {
        /// The summary of the runs that measured.
        value: T,
        /// How many runs failed, and the first reason.
        failed_runs: Vec<String>,
    },
    /// Every run failed; the first reason.
    Failed(String),
    /// The cell does not apply; why.
    NotApplicable(String),
    /// No run of this cell is in the results (not part of this suite).
    Missing,
}

/// An echo cell over its runs.
#[derive(Debug, Clone)]
pub struct EchoSummary {
    /// Round trips per second.
    pub rate: Spread,
    /// p50 latency (ns): median over runs.
    pub p50: Option<f64>,
    /// p99 latency (ns) over runs.
    pub p99: Option<Spread>,
    /// p99.9 latency (ns): median over runs.
    pub p999: Option<f64>,
    /// All connection failures of all runs.
    pub failures: Failures,
    /// The server's CPU time per round trip (ns) over runs.
    pub server_cpu_per_round_trip: Option<Spread>,
    /// The server's CPU use in the window (fraction of one CPU), median.
    pub server_cpu: Option<f64>,
    /// The load generator's CPU use in the window, median.
    pub load_cpu: Option<f64>,
    /// Other processes' CPU use on the same CPUs, median.
    pub others_cpu: Option<f64>,
}

impl EchoSummary {
    /// Whether the load generator, not the server, was the bottleneck: it
    /// used at least 90% of its CPU. Meaningful in the split pinning, where
    /// each has a CPU of its own.
    pub fn load_bound(&self) -> bool {
        self.load_cpu.is_some_and(|load| load >= 0.9)
    }
}

/// A memory cell over its runs.
#[derive(Debug, Clone)]
pub struct MemorySummary {
    /// RSS with the connections open.
    pub rss: Spread,
    /// RSS per open connection.
    pub per_connection: Option<Spread>,
    /// Threads with the connections open.
    pub threads: Spread,
    /// Fewest connections open in a run.
    pub established: usize,
    /// All connection failures of all runs.
    pub failures: Failures,
}

impl Results {
    /// The echo cell (`server`, `pinning`, `connections`) over its runs.
    pub fn echo_summary(
        &self,
        server: &str,
        pinning: Pinning,
        connections: usize,
    ) -> Summary<EchoSummary> {
        summarize_echo(
            self.echo.iter().filter(|r| {
                r.server == server && r.pinning == pinning && r.connections == connections
            }),
        )
    }

    /// The few-busy-among-idle cell (`server`, `pinning`, `idle`) over its
    /// runs.
    pub fn busy_summary(
        &self,
        server: &str,
        pinning: Pinning,
        idle: usize,
    ) -> Summary<EchoSummary> {
        summarize_echo(
            self.busy
                .iter()
                .filter(|r| r.server == server && r.pinning == pinning && r.idle == idle),
        )
    }

    /// The memory cell (`server`, `connections`) over its runs.
    pub fn memory_summary(&self, server: &str, connections: usize) -> Summary<MemorySummary> {
        let runs = self
            .memory
            .iter()
            .filter(|r| r.server == server && r.connections == connections)
            .map(|r| &r.outcome);
        summarize(runs, |done: &[&Memory]| {
            let rss: Vec<f64> = done.iter().map(|m| m.rss as f64).collect();
            let threads: Vec<f64> = done.iter().map(|m| m.threads as f64).collect();
            let per: Vec<f64> = done.iter().filter_map(|m| m.per_connection()).collect();
            let mut failures = Failures::default();
            for m in done {
                failures.merge(&m.failures);
            }
            Some(MemorySummary {
                rss: Spread::range(&rss)?,
                per_connection: Spread::range(&per),
                threads: Spread::range(&threads)?,
                established: done.iter().map(|m| m.established).min()?,
                failures,
            })
        })
    }

    /// How much CPU other processes took from the CPUs of the echo runs in
    /// `pinning`, in shares of one CPU over the counted windows: the noise.
    pub fn echo_noise(&self, pinning: Pinning) -> Option<Spread> {
        let others: Vec<f64> = self
            .echo
            .iter()
            .filter(|r| r.pinning == pinning)
            .filter_map(|r| match &r.outcome {
                Outcome::Done(o) => o.cpu?.others,
                _ => None,
            })
            .collect();
        Spread::range(&others)
    }

    /// The syscall cell (`server`, `pacing`).
    pub fn syscall_summary(&self, server: &str, pacing: Pacing) -> Summary<SyscallSummary> {
        let runs = self
            .syscalls
            .iter()
            .filter(|r| r.server == server && r.pacing == pacing)
            .map(|r| &r.outcome);
        summarize(runs, |done: &[&SyscallCount]| {
            let mut sorted = done.to_vec();
            sorted.sort_by(|a, b| a.total().total_cmp(&b.total()));
            // The middle run (the lower of the two middle ones for an even
            // count), so the names and groups shown are one run's and add up.
            let median = (*sorted.get(sorted.len().saturating_sub(1) / 2)?).clone();
            let totals: Vec<f64> = sorted.iter().map(|c| c.total()).collect();
            let range = Spread::range(&totals)?;
            Some(SyscallSummary {
                total: Spread {
                    median: median.total(),
                    ..range
                },
                median,
            })
        })
    }

    /// The task cell of `runtime` over its runs.
    pub fn task_summary(&self, runtime: Runtime) -> Summary<TaskSummary> {
        summarize(
            of_runtime(&self.tasks, runtime),
            |done: &[&TaskFigures]| {
                let spawn: Vec<f64> = done.iter().map(|f| f.spawn_join_ns).collect();
                let idle: Vec<f64> = done.iter().map(|f| f.idle_task_bytes).collect();
                Some(TaskSummary {
                    spawn_join_ns: Spread::range(&spawn)?,
                    idle_task_bytes: Spread::range(&idle)?,
                })
            },
        )
    }

    /// The timer cell of `runtime` over its runs.
    pub fn timer_summary(&self, runtime: Runtime) -> Summary<TimerSummary> {
        summarize(of_runtime(&self.timers, runtime), TimerSummary::of)
    }

    /// The sync cell of `runtime` over its runs.
    pub fn sync_summary(&self, runtime: Runtime) -> Summary<SyncSummary> {
        summarize(of_runtime(&self.sync, runtime), SyncSummary::of)
    }

    /// The selector-wait cell (`backend`, `fds`).
    pub fn wait_summary(&self, backend: &str, fds: usize) -> Summary<Spread> {
        let runs = self
            .waits
            .iter()
            .filter(|w| w.backend == backend && w.fds == fds)
            .map(|w| &w.outcome);
        summarize(runs, |done: &[&Spread]| done.first().map(|s| **s))
    }
}

/// The outcomes of `runtime`'s runs among `runs`.
fn of_runtime<T>(runs: &[RuntimeRun<T>], runtime: Runtime) -> impl Iterator<Item = &Outcome<T>> {
    runs.iter()
        .filter(move |r| r.runtime == runtime)
        .map(|r| &r.outcome)
}

/// Echo runs boiled down to a cell's summary.
fn summarize_echo<'a>(runs: impl Iterator<Item = &'a EchoRun>) -> Summary<EchoSummary> {
    let runs = runs.map(|r| &r.outcome);
    summarize(runs, |done: &[&EchoOutcome]| {
        let rates: Vec<f64> = done.iter().map(|o| o.rate()).collect();
        let latency = |pick: fn(&crate::load::Latency) -> u64| -> Vec<f64> {
            done.iter()
                .filter_map(|o| o.latency.as_ref().map(|l| pick(l) as f64))
                .collect()
        };
        let mut failures = Failures::default();
        for o in done {
            failures.merge(&o.failures);
        }
        let server_cpu: Vec<f64> = done.iter().filter_map(|o| o.cpu?.server).collect();
        let load_cpu: Vec<f64> = done.iter().filter_map(|o| Some(o.cpu?.load)).collect();
        let others_cpu: Vec<f64> = done.iter().filter_map(|o| o.cpu?.others).collect();
        let per_round_trip: Vec<f64> = done
            .iter()
            .filter_map(|o| o.server_cpu_per_round_trip())
            .collect();
        Some(EchoSummary {
            rate: Spread::range(&rates)?,
            p50: Spread::range(&latency(|l| l.p50)).map(|s| s.median),
            p99: Spread::range(&latency(|l| l.p99)),
            p999: Spread::range(&latency(|l| l.p999)).map(|s| s.median),
            failures,
            server_cpu_per_round_trip: Spread::range(&per_round_trip),
            server_cpu: Spread::range(&server_cpu).map(|s| s.median),
            load_cpu: Spread::range(&load_cpu).map(|s| s.median),
            others_cpu: Spread::range(&others_cpu).map(|s| s.median),
        })
    })
}

/// Boils runs down: any measured run gives a value (with the failed runs
/// listed), else the first failure, else "not applicable", else missing.
pub(crate) fn summarize<'a, T: 'a, S>(
    runs: impl Iterator<Item = &'a Outcome<T>>,
    combine: impl FnOnce(&[&'a T]) -> Option<S>,
) -> Summary<S> {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    let mut not_applicable = None;
    for outcome in runs {
        match outcome {
            Outcome::Done(value) => done.push(value),
            Outcome::Failed(why) => failed.push(why.clone()),
            Outcome::NotApplicable(why) => not_applicable = Some(why.clone()),
        }
    }
    if let Some(value) = combine(&done) {
        return Summary::Value {
            value,
            failed_runs: failed,
        };
    }
    if let Some(first) = failed.into_iter().next() {
        return Summary::Failed(first);
    }
    match not_applicable {
        Some(why) => Summary::NotApplicable(why),
        None => Summary::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_good_run_is_enough_and_failures_are_kept() {
        let runs = [
            Outcome::Done(2.0),
            Outcome::Failed("boom".to_owned()),
            Outcome::Done(4.0),
        ];
        match summarize(runs.iter(), |d: &[&f64]| {
            Spread::range(&d.iter().map(|v| **v).collect::<Vec<_>>())
        }) {
            Summary::Value { value, failed_runs } => {
                assert_eq!(value.median, 3.0);
                assert_eq!(failed_runs, ["boom"]);
            }
            other => panic!("{other:?}"),
        }
        let runs: [Outcome<f64>; 2] = [Outcome::Failed("a".into()), Outcome::Failed("b".into())];
        assert!(matches!(summarize(runs.iter(), |_| None::<f64>), Summary::Failed(w) if w == "a"));
        let runs: [Outcome<f64>; 1] = [Outcome::NotApplicable("limit".into())];
        assert!(matches!(
            summarize(runs.iter(), |_| None::<f64>),
            Summary::NotApplicable(_)
        ));
        assert!(matches!(
            summarize(std::iter::empty::<&Outcome<f64>>(), |_| None::<f64>),
            Summary::Missing
        ));
    }
}

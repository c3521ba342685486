//! Runs a suite: every cell in turn, progress on stderr, results at the end.
//!
//! Order matters on a noisy machine. The selector waits run first, while this
//! process has the fewest fds open (select can only watch fds below 1,024).
//! Runs go round all servers (run 1 of every cell, then run 2, ...), not
//! server by server, so a burst of background load lands on several
//! servers' runs instead of on every run of one. The few-busy-among-idle
//! cells come next: they are echo cells with idle connections beside the
//! busy ones, run by the same code; chapter 21's HTTP cells (wrk, the
//! fetcher) follow, timings too. The system call counts come near the
//! end: they run the servers under strace, and counts do not mind a busy
//! machine the way timings do; the counts per operation (callgrind and
//! strace) close the run for the same reason. The runtime figures (tasks, timers, sync) run right
//! after the selector waits, while the machine is as quiet as the run gets
//! (timer lateness is the most sensitive to noise), each in a child
//! process of its own. Every run starts a fresh server (or
//! task) process, so no run inherits another's connections or heap.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use ghetto_loop::sys::{FD_SETSIZE, SelectorKind};

use crate::child::Runtime;
use crate::failures::Failures;
use crate::load::{self, EchoLoad, EchoOutcome, IdleLoad, Watch};
use crate::machine::{self, Machine};
use crate::pin::{self, Pinning, Placement};
use crate::results::{
    EchoRun, Memory, MemoryRun, Outcome, Results, RuntimeRun, SyscallRun, TaskRun, WaitRun,
};
use crate::selector_wait::{self, WaitPlan};
use crate::server_process::ServerProcess;
use crate::servers::Server;
use crate::suite::{CountsInReport, Suite};
use crate::sync::SyncFigures;
use crate::syscalls::{self, Group, Pacing, SyscallPlan};
use crate::timers::TimerFigures;
use crate::units::{bytes, count, nanos, thousands};

/// Lines the harness writes into a server's log start with this; every other
/// line is the server's own stderr.
pub const LOG_HEADER: &str = "== bench: ";

/// Runs `suite`, writing server logs under `out/logs/`. `command` is how the
/// run was invoked, for the report.
pub fn run(suite: &Suite, out: &Path, command: String) -> anyhow::Result<Results> {
    let logs = out.join("logs");
    // Logs of an earlier run would be mixed into this one's.
    if logs.exists() {
        fs::remove_dir_all(&logs).with_context(|| format!("cannot clear {}", logs.display()))?;
    }
    fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    // strace's summaries, kept for whoever doubts a count; cleared for the
    // same reason as the logs.
    let strace = out.join("strace");
    if strace.exists() {
        fs::remove_dir_all(&strace)
            .with_context(|| format!("cannot clear {}", strace.display()))?;
    }
    ghetto_loop::sys::raise_fd_limit().context("cannot raise the open-file limit")?;
    let cpus = pin::allowed_cpus().context("cannot read this process's CPU affinity")?;
    let placements: Vec<(Pinning, Placement)> = suite
        .pinnings
        .iter()
        .filter_map(|&p| p.placement(&cpus).map(|place| (p, place)))
        .collect();
    for &p in &suite.pinnings {
        if !placements.iter().any(|(q, _)| *q == p) {
            eprintln!(
                "note: skipping the {} pinning: it needs 2 CPUs and this process may use {}",
                p.name(),
                cpus.len()
            );
        }
    }
    // Memory and selector waits are pinned like the split mode when they
    // can be, so the load's work does not compete with what is measured.
    let quiet_place = placements
        .iter()
        .find(|(p, _)| *p == Pinning::Split)
        .or_else(|| placements.first())
        .map(|(_, place)| *place)
        .context("no CPU to run on")?;

    let mut harness = Harness {
        suite,
        logs,
        progress: Progress::new(suite),
    };
    let started = SystemTime::now();
    let load_before = machine::load_average();
    let waits = harness.selector_waits(quiet_place.server);
    let tasks = harness.tasks(quiet_place.server);
    let timers = harness.timers(quiet_place);
    let sync = harness.sync(quiet_place.server);
    let memory = harness.memory(quiet_place)?;
    let echo = harness.echo(&placements)?;
    let busy_placements: Vec<(Pinning, Placement)> = placements
        .iter()
        .filter(|(p, _)| suite.busy_pinnings.contains(p))
        .copied()
        .collect();
    let busy = harness.busy_among_idle(&busy_placements)?;
    let http = crate::http::measure(&mut harness, suite, &placements, quiet_place)?;
    let syscalls = harness.syscalls(quiet_place, &strace)?;
    // Last, like the system calls: counts do not mind a busy machine.
    let count_if_missing = suite.counts == CountsInReport::ReuseOrCount;
    let counts = crate::counts::for_report(out, count_if_missing).map_err(|e| {
        eprintln!("note: no counts per operation: {e:#}");
        format!("{e:#}")
    });
    Ok(Results {
        suite: suite.clone(),
        command,
        machine: Machine::detect(cpus),
        placements,
        started,
        elapsed: harness.progress.start.elapsed(),
        load_before,
        load_after: machine::load_average(),
        echo,
        busy,
        memory,
        waits,
        syscalls,
        tasks,
        timers,
        sync,
        counts,
        http,
    })
}

/// What every cell needs: the suite, where the logs go, the progress lines.
#[derive(Debug)]
struct Harness<'a> {
    suite: &'a Suite,
    logs: PathBuf,
    progress: Progress,
}

impl Harness<'_> {
    /// Every backend at every fd count, on `cpu`.
    fn selector_waits(&mut self, cpu: usize) -> Vec<WaitRun> {
        let mut waits = Vec::new();
        for kind in SelectorKind::ALL {
            for &fds in &self.suite.wait_fds {
                let plan = WaitPlan {
                    fds,
                    batches: self.suite.wait_batches,
                    waits_per_batch: self.suite.waits_per_batch,
                    cpu,
                };
                let outcome = match selector_wait::measure(kind, plan) {
                    Ok(spread) => Outcome::Done(spread),
                    // select refusing an fd at or above FD_SETSIZE: its
                    // limit, not a failure.
                    Err(e) if e.kind() == io::ErrorKind::InvalidInput => Outcome::NotApplicable(
                        format!("{kind} watches fds below {} only", thousands(FD_SETSIZE)),
                    ),
                    Err(e) => Outcome::Failed(e.to_string()),
                };
                self.progress.done(
                    &format!("selector wait {kind} {} idle fds", thousands(fds)),
                    &describe(&outcome, |s| format!("{} per wait", nanos(s.median))),
                );
                waits.push(WaitRun {
                    backend: kind.name(),
                    fds,
                    outcome,
                });
            }
        }
        waits
    }

    /// Both runtimes' task figures, every run, each in a fresh child pinned
    /// to `cpu`.
    fn tasks(&mut self, cpu: usize) -> Vec<TaskRun> {
        let plan = self.suite.tasks;
        let label = format!("tasks {}", thousands(plan.tasks));
        self.runtime_runs(
            &label,
            |runtime| crate::tasks::measure(runtime, plan, cpu),
            |f| {
                format!(
                    "{} per spawn+join, {} per parked task",
                    nanos(f.spawn_join_ns),
                    bytes(f.idle_task_bytes)
                )
            },
        )
    }

    /// Both runtimes' timer figures, every run, each in a fresh child on
    /// `place` (its loop on the server's CPU, its echo load on the
    /// client's).
    fn timers(&mut self, place: Placement) -> Vec<RuntimeRun<TimerFigures>> {
        let plan = self.suite.timers.clone();
        let label = format!("timers, crowd of {}", thousands(plan.crowd));
        self.runtime_runs(
            &label,
            |runtime| crate::timers::measure(runtime, &plan, place),
            |f| {
                let p99 = |series: &[crate::timers::Lateness]| -> String {
                    let p99: Vec<String> = series.iter().map(|l| nanos(l.p99_ns)).collect();
                    p99.join("/")
                };
                format!(
                    "late p99 {} idle, {} loaded (others' CPU {:.0}%, {:.0}%); {} per timer, \
                     {} per sleeping task",
                    p99(&f.idle),
                    p99(&f.loaded),
                    f.idle_others * 100.0,
                    f.loaded_others * 100.0,
                    nanos(f.crowd.timer_ns()),
                    bytes(f.crowd.sleeping_task_bytes)
                )
            },
        )
    }

    /// Both runtimes' sync figures, every run, each in a fresh child pinned
    /// to `cpu`.
    fn sync(&mut self, cpu: usize) -> Vec<RuntimeRun<SyncFigures>> {
        let plan = self.suite.sync;
        self.runtime_runs(
            "sync",
            |runtime| crate::sync::measure(runtime, plan, cpu),
            |f| {
                format!(
                    "mutex {} locks/s, {} hand-offs/s; channel {} msg/s",
                    count(f.mutex_per_s),
                    count(f.handoff_per_s),
                    count(f.channel_per_s)
                )
            },
        )
    }

    /// A runtime figure: `measure` for both runtimes, every run, the runs
    /// alternating between them; `result` says what one measured, for its
    /// progress line.
    fn runtime_runs<F>(
        &mut self,
        label: &str,
        measure: impl Fn(Runtime) -> anyhow::Result<F>,
        result: impl Fn(&F) -> String,
    ) -> Vec<RuntimeRun<F>> {
        let mut runs = Vec::new();
        for run in 0..self.suite.runs {
            for runtime in Runtime::ALL {
                let outcome = match measure(runtime) {
                    Ok(figures) => Outcome::Done(figures),
                    Err(e) => Outcome::Failed(format!("{e:#}")),
                };
                self.progress.done(
                    &format!(
                        "{label} {} (run {}/{})",
                        runtime.name(),
                        run + 1,
                        self.suite.runs
                    ),
                    &describe(&outcome, &result),
                );
                runs.push(RuntimeRun {
                    runtime,
                    run,
                    outcome,
                });
            }
        }
        runs
    }

    /// Every one-thread server's system calls per round trip, paced and
    /// back to back, with strace's summaries written into `dir`; cells that
    /// cannot run say why (no strace, no ptrace).
    fn syscalls(&mut self, place: Placement, dir: &Path) -> anyhow::Result<Vec<SyscallRun>> {
        let ready = syscalls::strace_ready();
        match &ready {
            Ok(()) => fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?,
            Err(why) => eprintln!("note: no system call counts: {why}"),
        }
        let plan = SyscallPlan {
            round_trips: self.suite.syscall_round_trips,
            message: self.suite.message,
            pause: self.suite.syscall_pause,
        };
        let mut runs = Vec::new();
        for pacing in Pacing::ALL {
            let repeats = pacing.runs(self.suite.runs);
            for run in 0..repeats {
                for server in self.suite.syscall_servers() {
                    let what = format!(
                        "syscalls {} {} (run {}/{repeats})",
                        pacing.name(),
                        server.name,
                        run + 1
                    );
                    let outcome = match &ready {
                        Err(why) => Outcome::NotApplicable(why.clone()),
                        Ok(()) => {
                            let log = self.log_file(server, &what)?;
                            match syscalls::count(server, pacing, run, plan, place, &log, dir) {
                                Ok(count) => Outcome::Done(count),
                                Err(e) => Outcome::Failed(format!("{e:#}")),
                            }
                        }
                    };
                    self.progress.done(
                        &what,
                        &describe(&outcome, |c| {
                            let groups: Vec<String> = Group::ALL
                                .iter()
                                .map(|&g| format!("{} {:.2}", g.name(), c.group(g)))
                                .collect();
                            format!("{:.2} per round trip ({})", c.total(), groups.join(", "))
                        }),
                    );
                    runs.push(SyscallRun {
                        server: server.name,
                        pacing,
                        run,
                        outcome,
                    });
                }
            }
        }
        Ok(runs)
    }

    /// Every server at every idle count, every run.
    fn memory(&mut self, place: Placement) -> anyhow::Result<Vec<MemoryRun>> {
        let mut memory = Vec::new();
        for run in 0..self.suite.runs {
            for &connections in &self.suite.idle_connections {
                for server in &self.suite.servers {
                    let what = format!(
                        "memory {} {} idle (run {}/{})",
                        server.name,
                        thousands(connections),
                        run + 1,
                        self.suite.runs
                    );
                    let log = self.log_file(server, &what)?;
                    let outcome = memory_run(server, connections, place, &log);
                    self.progress.done(
                        &what,
                        &describe(&outcome, |m| {
                            format!(
                                "RSS {}, {} threads, {} open{}",
                                bytes(m.rss as f64),
                                m.threads,
                                thousands(m.established),
                                failure_note(&m.failures)
                            )
                        }),
                    );
                    memory.push(MemoryRun {
                        server: server.name,
                        connections,
                        run,
                        outcome,
                    });
                }
            }
        }
        Ok(memory)
    }

    /// Every server at every connection count in every pinning, every run.
    fn echo(&mut self, placements: &[(Pinning, Placement)]) -> anyhow::Result<Vec<EchoRun>> {
        let cells: Vec<(usize, usize)> = self
            .suite
            .echo_connections
            .iter()
            .map(|&n| (n, 0))
            .collect();
        self.echo_cells(placements, &cells, |n, _| format!("{} conns", thousands(n)))
    }

    /// Every server with the suite's few busy connections beside every idle
    /// count, in every pinning given, every run.
    fn busy_among_idle(
        &mut self,
        placements: &[(Pinning, Placement)],
    ) -> anyhow::Result<Vec<EchoRun>> {
        let busy = self.suite.busy_connections;
        let cells: Vec<(usize, usize)> = self.suite.busy_idle.iter().map(|&i| (busy, i)).collect();
        self.echo_cells(placements, &cells, |n, idle| {
            format!("{} busy + {} idle", thousands(n), thousands(idle))
        })
    }

    /// Every server at every `(busy, idle)` connection count of `cells` in
    /// every pinning, every run; `label` names a cell in the progress lines.
    fn echo_cells(
        &mut self,
        placements: &[(Pinning, Placement)],
        cells: &[(usize, usize)],
        label: impl Fn(usize, usize) -> String,
    ) -> anyhow::Result<Vec<EchoRun>> {
        let mut echo = Vec::new();
        for run in 0..self.suite.runs {
            for &(pinning, place) in placements {
                for &(connections, idle) in cells {
                    for server in &self.suite.servers {
                        let what = format!(
                            "echo {} {} {} (run {}/{})",
                            pinning.name(),
                            server.name,
                            label(connections, idle),
                            run + 1,
                            self.suite.runs
                        );
                        let log = self.log_file(server, &what)?;
                        let outcome =
                            echo_run(server, (connections, idle), place, self.suite, &log);
                        self.progress.done(
                            &what,
                            &describe(&outcome, |o| {
                                format!(
                                    "{} rt/s, p99 {}{}",
                                    count(o.rate()),
                                    o.latency.map_or("-".to_owned(), |l| nanos(l.p99 as f64)),
                                    failure_note(&o.failures)
                                )
                            }),
                        );
                        echo.push(EchoRun {
                            server: server.name,
                            pinning,
                            connections,
                            idle,
                            run,
                            outcome,
                        });
                    }
                }
            }
        }
        Ok(echo)
    }

    /// The server's log, with a line saying which run the lines below
    /// belong to.
    fn log_file(&self, server: &Server, run: &str) -> anyhow::Result<PathBuf> {
        let path = self.logs.join(format!("{}.log", server.name));
        let mut file = File::options()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        writeln!(file, "{LOG_HEADER}{run}")?;
        Ok(path)
    }
}

impl crate::http::Cells for Harness<'_> {
    fn log(&mut self, server: &Server, what: &str) -> anyhow::Result<PathBuf> {
        self.log_file(server, what)
    }

    fn done(&mut self, what: &str, result: &str) {
        self.progress.done(what, result);
    }
}

/// One echo run: a fresh server, the idle connections if any, the closed
/// loop of the busy ones, a check that the server survived it.
fn echo_run(
    server: &Server,
    (connections, idle): (usize, usize),
    place: Placement,
    suite: &Suite,
    log: &Path,
) -> Outcome<EchoOutcome> {
    if !server.allows(connections + idle) {
        return not_applicable(server);
    }
    let mut process = match ServerProcess::start(server, place.server, log) {
        Ok(process) => process,
        Err(e) => return Outcome::Failed(format!("{e:#}")),
    };
    let load = EchoLoad {
        addr: process.addr(),
        connections,
        idle,
        message: suite.message,
        warmup: suite.warmup,
        measure: suite.measure,
        cpu: place.client,
        watch: Some(Watch {
            pid: process.pid(),
            cpu: place.server,
        }),
    };
    let outcome = match load::run_echo(&load) {
        Ok(outcome) => outcome,
        Err(e) => return Outcome::Failed(format!("the load generator failed: {e}")),
    };
    if let Err(e) = process.check_alive() {
        return Outcome::Failed(format!("{e:#}; connections: {}", outcome.failures));
    }
    process.stop();
    Outcome::Done(outcome)
}

/// One memory run: a fresh server, its RSS before, then its RSS and threads
/// with the idle connections open.
fn memory_run(
    server: &Server,
    connections: usize,
    place: Placement,
    log: &Path,
) -> Outcome<Memory> {
    if !server.allows(connections) {
        return not_applicable(server);
    }
    let mut process = match ServerProcess::start(server, place.server, log) {
        Ok(process) => process,
        Err(e) => return Outcome::Failed(format!("{e:#}")),
    };
    let rss_before = match process.rss() {
        Ok(rss) => rss,
        Err(e) => return Outcome::Failed(format!("cannot read the server's RSS: {e}")),
    };
    let idle = IdleLoad {
        addr: process.addr(),
        connections,
        // One byte: enough to prove the server serves the connection.
        message: 1,
        cpu: place.client,
    };
    let held = load::hold_idle(&idle, |_open| (process.rss(), process.threads()));
    let ((rss, threads), opened) = match held {
        Ok(held) => held,
        Err(e) => return Outcome::Failed(format!("the load generator failed: {e}")),
    };
    let (rss, threads) = match (rss, threads) {
        (Ok(rss), Ok(threads)) => (rss, threads),
        (Err(e), _) | (_, Err(e)) => {
            return Outcome::Failed(format!("cannot read the server's /proc status: {e}"));
        }
    };
    if let Err(e) = process.check_alive() {
        return Outcome::Failed(format!("{e:#}; connections: {}", opened.failures));
    }
    process.stop();
    Outcome::Done(Memory {
        rss_before,
        rss,
        threads,
        established: opened.established,
        failures: opened.failures,
    })
}

fn not_applicable<T>(server: &Server) -> Outcome<T> {
    let why = server.limit.map_or("over the server's limit", |l| l.why);
    Outcome::NotApplicable(why.to_owned())
}

fn failure_note(failures: &Failures) -> String {
    if failures.total() == 0 {
        String::new()
    } else {
        format!(" [failures: {failures}]")
    }
}

/// A progress line's result: `done` formats a measurement.
fn describe<T>(outcome: &Outcome<T>, done: impl Fn(&T) -> String) -> String {
    match outcome {
        Outcome::Done(value) => done(value),
        Outcome::Failed(why) => format!("FAILED: {why}"),
        Outcome::NotApplicable(why) => format!("n/a: {why}"),
    }
}

/// The progress lines on stderr: `[ 12/150  0:42] what: result`.
#[derive(Debug)]
struct Progress {
    start: Instant,
    done: usize,
    total: usize,
}

impl Progress {
    fn new(suite: &Suite) -> Progress {
        let total = suite.wait_cells()
            + 3 * suite.runtime_cells()
            + suite.memory_cells()
            + suite.echo_cells()
            + suite.busy_cells()
            + suite.syscall_cells()
            + suite.http.cells(suite.runs);
        eprintln!(
            "bench: {} suite, {} servers, {total} cells, about {} (forecast)",
            suite.name,
            suite.servers.len(),
            minutes(suite.estimate())
        );
        Progress {
            start: Instant::now(),
            done: 0,
            total,
        }
    }

    fn done(&mut self, what: &str, result: &str) {
        self.done += 1;
        eprintln!(
            "[{:>3}/{} {:>5}] {what}: {result}",
            self.done,
            self.total,
            minutes(self.start.elapsed())
        );
    }
}

/// `3:07` for 187 seconds.
pub fn minutes(d: Duration) -> String {
    let secs = d.as_secs();
    format!("{}:{:02}", secs / 60, secs % 60)
}

//! The capstone's HTTP server (chapter 21) under `wrk`, on ghetto-loop and
//! on tokio: requests per second, p99 latency and the server's CPU time
//! per request, on one loop and on every core.
//!
//! The app is the same code on both runtimes (chapter 21's `shell.rs`),
//! so the figures compare the runtimes and nothing else. Each run starts a
//! fresh server process, as the echo cells do, and `wrk` (an outside load
//! generator, see [`crate::wrk`]) keeps N keep-alive connections busy for a
//! few seconds. The single-loop cells are pinned like the echo cells (one
//! CPU shared, or one each); the per-core cells are not pinned at all: the
//! server wants both cores and so does wrk, and the report says so.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cpu_time::{self, Busy};
use crate::pin::{Pinning, Placement};
use crate::results::{Outcome, RuntimeRun, Summary, summarize};
use crate::server_process::ServerProcess;
use crate::servers::{Server, Threads};
use crate::stats::Spread;
use crate::suite::Suite;
use crate::syscalls::{Pacing, SyscallCount};
use crate::units::{count, nanos, thousands};
use crate::wrk::{self, WrkLoad, WrkReport};

/// The app on one ghetto-loop.
pub const GHETTO: &str = "ch21-ghetto-loop";
/// The app on one tokio current-thread runtime: the baseline.
pub const TOKIO: &str = "ch21-tokio";
/// The app on one ghetto-loop per core, one port shared with
/// `SO_REUSEPORT`.
pub const GHETTO_PER_CORE: &str = "ch21-ghetto-loop-per-core";
/// The app on tokio's multi-thread runtime: the per-core baseline.
pub const TOKIO_MULTI: &str = "ch21-tokio-multi-thread";

/// The HTTP servers, in the order the report shows them: each baseline
/// right after what it is compared with. `bench serve NAME ADDR` knows
/// them too (see [`find`]), but the echo suite does not run them: they
/// speak HTTP, not echo.
pub const SERVERS: &[Server] = &[
    Server {
        name: GHETTO,
        what: "chapter 21's app on one ghetto-loop (epoll)",
        serve: ch21_capstone::serve_http_ghetto,
        limit: None,
        threads: Threads::One,
    },
    Server {
        name: TOKIO,
        what: "chapter 21's app on one tokio current-thread runtime (LocalSet)",
        serve: ch21_capstone::serve_http_tokio,
        limit: None,
        threads: Threads::One,
    },
    Server {
        name: GHETTO_PER_CORE,
        what: "chapter 21's app on one ghetto-loop per core, one port (SO_REUSEPORT)",
        serve: ch21_capstone::serve_http_ghetto_per_core,
        limit: None,
        threads: Threads::PerCore,
    },
    Server {
        name: TOKIO_MULTI,
        what: "chapter 21's app on tokio's multi-thread runtime",
        serve: ch21_capstone::serve_http_tokio_multi,
        limit: None,
        threads: Threads::PerCore,
    },
];

/// The HTTP server called `name`.
pub fn find(name: &str) -> Option<&'static Server> {
    SERVERS.iter().find(|s| s.name == name)
}

/// The path wrk asks for: the app's short text page.
pub const PATH: &str = "/";

/// What the HTTP cells measure and how long they take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPlan {
    /// Keep-alive connections of the one-loop cells.
    pub connections: Vec<usize>,
    /// The pinnings of the one-loop cells (those the machine can do).
    pub pinnings: Vec<Pinning>,
    /// Keep-alive connections of the per-core cells.
    pub per_core_connections: Vec<usize>,
    /// Seconds per wrk run (wrk takes whole seconds).
    pub seconds: u32,
    /// Requests per fetcher run.
    pub fetch_requests: usize,
    /// The fetcher's requests in flight (one connection each).
    pub fetch_in_flight: usize,
    /// Requests of the two traced runs whose difference gives the system
    /// calls per request.
    pub syscall_requests: (usize, usize),
}

impl HttpPlan {
    /// `make bench`'s: 1, 100 and 1,000 connections, both pinnings, 2 s a
    /// run; about two minutes with three runs.
    pub fn default_plan() -> HttpPlan {
        HttpPlan {
            connections: vec![1, 100, 1_000],
            pinnings: Pinning::ALL.to_vec(),
            per_core_connections: vec![100, 1_000],
            seconds: 2,
            fetch_requests: 20_000,
            fetch_in_flight: 32,
            syscall_requests: (500, 2_500),
        }
    }

    /// The quick suite's: every code path, a second a run.
    pub fn quick() -> HttpPlan {
        HttpPlan {
            connections: vec![1, 10],
            pinnings: vec![Pinning::Split],
            per_core_connections: vec![10],
            seconds: 1,
            fetch_requests: 500,
            fetch_in_flight: 4,
            syscall_requests: (50, 150),
        }
    }

    /// Cells of `runs` runs each, for the progress lines: the one-loop and
    /// per-core wrk runs, the fetcher's, and the two syscall counts.
    pub fn cells(&self, runs: usize) -> usize {
        let one_loop = 2 * self.pinnings.len() * self.connections.len();
        let per_core = 2 * self.per_core_connections.len();
        (one_loop + per_core + crate::child::Runtime::ALL.len()) * runs + 2 * Pacing::ALL.len()
    }

    /// A rough forecast: a wrk run and about 0.15 s to start its server;
    /// a fetcher run at about 50,000 requests a second; a syscall count
    /// at about 0.7 ms a request paced (the client's 0.5 ms pause, and
    /// strace), 0.2 ms back to back.
    pub fn estimate(&self, runs: usize) -> Duration {
        let wrk_runs = (2 * self.pinnings.len() * self.connections.len()
            + 2 * self.per_core_connections.len())
            * runs;
        let per_wrk = Duration::from_secs(u64::from(self.seconds)) + Duration::from_millis(150);
        let fetch = Duration::from_micros(20) * (self.fetch_requests * 2 * runs) as u32;
        let (small, large) = self.syscall_requests;
        let paced = Duration::from_micros(700) * (2 * (small + large)) as u32;
        let syscalls = paced + paced / 3;
        per_wrk * wrk_runs as u32 + fetch + syscalls
    }
}

/// What a harness gives the HTTP cells: a log per server and progress
/// lines (the harness's own, so one run prints one numbered list).
pub trait Cells {
    /// The log file for `server`'s stderr, headed by a line naming `what`.
    fn log(&mut self, server: &Server, what: &str) -> anyhow::Result<PathBuf>;
    /// Prints one progress line: `what` was measured, with `result`.
    fn done(&mut self, what: &str, result: &str);
}

/// One wrk run against a fresh server.
#[derive(Debug, Clone)]
pub struct HttpRun {
    /// Server name.
    pub server: &'static str,
    /// Pinning mode; `None` for the per-core cells, which are not pinned.
    pub pinning: Option<Pinning>,
    /// Keep-alive connections.
    pub connections: usize,
    /// Which run (0-based).
    pub run: usize,
    /// What it measured.
    pub outcome: Outcome<HttpOutcome>,
}

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
pub struct HttpOutcome {
    /// What wrk printed.
    pub wrk: WrkReport,
    /// The server's CPU time (all threads) while wrk ran.
    pub server_cpu: Duration,
    /// wrk's own CPU time (all its threads).
    pub load_cpu: Duration,
    /// What others used of the cell's CPUs meanwhile, in shares of one
    /// CPU: the noise.
    pub others: f64,
}

impl HttpOutcome {
    /// The server's CPU time per completed request, in nanoseconds.
    pub fn cpu_per_request_ns(&self) -> Option<f64> {
        (self.wrk.requests > 0)
            .then(|| self.server_cpu.as_nanos() as f64 / self.wrk.requests as f64)
    }

    /// The server's CPU use while wrk ran, in shares of one CPU.
    pub fn server_share(&self) -> Option<f64> {
        self.share(self.server_cpu)
    }

    /// wrk's CPU use, in shares of one CPU.
    pub fn load_share(&self) -> Option<f64> {
        self.share(self.load_cpu)
    }

    fn share(&self, cpu: Duration) -> Option<f64> {
        (self.wrk.seconds > 0.0).then(|| cpu.as_secs_f64() / self.wrk.seconds)
    }
}

/// An HTTP cell over its runs.
#[derive(Debug, Clone, Copy)]
pub struct HttpSummary {
    /// Requests per second.
    pub rate: Spread,
    /// wrk's 99% latency, in nanoseconds.
    pub p99: Spread,
    /// The server's CPU time per request, in nanoseconds.
    pub cpu_per_request: Option<Spread>,
    /// The server's CPU use, median, in shares of one CPU.
    pub server_share: Option<f64>,
    /// wrk's CPU use, median, in shares of one CPU.
    pub load_share: Option<f64>,
    /// Others' use of the cell's CPUs, median, in shares of one CPU.
    pub others: Option<f64>,
    /// Non-2xx answers and socket errors, all runs.
    pub failures: u64,
}

/// The fetcher's figures in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchFigures {
    /// Completed (2xx) requests per second.
    pub per_second: f64,
    /// The 99th percentile of one request, in nanoseconds.
    pub p99_ns: f64,
    /// The fetcher's CPU time per completed request, in nanoseconds.
    pub cpu_per_request_ns: f64,
    /// Requests that failed, all reasons.
    pub failures: u64,
    /// The first reason, if any failed.
    pub first_failure: Option<String>,
}

/// Everything the HTTP cells measured.
#[derive(Debug, Clone, Default)]
pub struct HttpResults {
    /// Why the wrk cells were not run, if they were not.
    pub skipped: Option<String>,
    /// Every wrk run, one-loop and per-core.
    pub runs: Vec<HttpRun>,
    /// Every fetcher run.
    pub fetch: Vec<RuntimeRun<FetchFigures>>,
    /// The server's system calls per request, each runtime counted once
    /// at each pacing.
    pub syscalls: Vec<HttpSyscalls>,
}

/// One count of the server's system calls per request.
#[derive(Debug, Clone)]
pub struct HttpSyscalls {
    /// How the client spaced its requests.
    pub pacing: Pacing,
    /// The runtime under the server.
    pub runtime: crate::child::Runtime,
    /// Calls per request, by name.
    pub outcome: Outcome<SyscallCount>,
}

impl HttpResults {
    /// The cell (`server`, `pinning`, `connections`) over its runs.
    pub fn summary(
        &self,
        server: &str,
        pinning: Option<Pinning>,
        connections: usize,
    ) -> Summary<HttpSummary> {
        let runs = self
            .runs
            .iter()
            .filter(|r| r.server == server && r.pinning == pinning && r.connections == connections)
            .map(|r| &r.outcome);
        summarize(runs, |done: &[&HttpOutcome]| {
            let of = |f: fn(&HttpOutcome) -> Option<f64>| -> Vec<f64> {
                done.iter().filter_map(|o| f(o)).collect()
            };
            Some(HttpSummary {
                rate: Spread::range(&of(|o| Some(o.wrk.per_second)))?,
                p99: Spread::range(&of(|o| Some(o.wrk.p99_ns)))?,
                cpu_per_request: Spread::range(&of(HttpOutcome::cpu_per_request_ns)),
                server_share: Spread::range(&of(HttpOutcome::server_share)).map(|s| s.median),
                load_share: Spread::range(&of(HttpOutcome::load_share)).map(|s| s.median),
                others: Spread::range(&of(|o| Some(o.others))).map(|s| s.median),
                failures: done.iter().map(|o| o.wrk.failures()).sum(),
            })
        })
    }
}

/// Runs every HTTP cell of `suite`: the one-loop cells in each of
/// `placements`, the per-core cells unpinned, the fetcher and the system
/// call counts on `quiet` (the split placement when there is one).
pub fn measure(
    cells: &mut impl Cells,
    suite: &Suite,
    placements: &[(Pinning, Placement)],
    quiet: Placement,
) -> anyhow::Result<HttpResults> {
    let plan = &suite.http;
    let wrk = wrk::find();
    let mut results = HttpResults {
        skipped: wrk.as_ref().err().cloned(),
        ..HttpResults::default()
    };
    if let Some(why) = &results.skipped {
        eprintln!("note: no HTTP figures under load: {why}");
    }
    // The per-core cells run on every CPU this process may use.
    let all_cpus = crate::pin::allowed_cpus()?;
    let one_loop: Vec<(Pinning, Placement)> = placements
        .iter()
        .filter(|(p, _)| plan.pinnings.contains(p))
        .copied()
        .collect();
    // Each cell: its placement (`None`: unpinned), its connections, and
    // the server with its baseline.
    let mut wrk_cells: Vec<WrkCell> = Vec::new();
    for &place in &one_loop {
        for &n in &plan.connections {
            wrk_cells.push((Some(place), n, [GHETTO, TOKIO]));
        }
    }
    for &n in &plan.per_core_connections {
        wrk_cells.push((None, n, [GHETTO_PER_CORE, TOKIO_MULTI]));
    }
    for run in 0..suite.runs {
        for &(place, connections, names) in &wrk_cells {
            for name in names {
                let server = find(name).expect("the HTTP servers are registered");
                let what = format!(
                    "http {} {name} {} conns (run {}/{})",
                    place.map_or("unpinned", |(p, _)| p.name()),
                    thousands(connections),
                    run + 1,
                    suite.runs
                );
                let outcome = match &wrk {
                    Err(why) => Outcome::NotApplicable(why.clone()),
                    Ok(wrk) => {
                        let log = cells.log(server, &what)?;
                        let load = WrkLoad {
                            wrk: wrk.clone(),
                            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
                            path: PATH,
                            connections,
                            // wrk's one thread can be the bottleneck at a
                            // thousand connections; two share the work.
                            threads: if connections >= 100 { 2 } else { 1 },
                            seconds: plan.seconds,
                            cpu: place.map(|(_, p)| p.client),
                        };
                        let cpus = match place {
                            Some((_, p)) => vec![p.server, p.client],
                            None => all_cpus.clone(),
                        };
                        http_run(server, place.map(|(_, p)| p.server), &cpus, load, &log)
                    }
                };
                cells.done(&what, &describe(&outcome));
                results.runs.push(HttpRun {
                    server: server.name,
                    pinning: place.map(|(p, _)| p),
                    connections,
                    run,
                    outcome,
                });
            }
        }
    }
    results.fetch = crate::fetch::measure(cells, suite, quiet)?;
    results.syscalls = crate::http_syscalls::count(cells, suite, quiet)?;
    Ok(results)
}

/// A wrk cell: where it runs (`None`: unpinned), how many connections,
/// and the server with its baseline.
type WrkCell = (Option<(Pinning, Placement)>, usize, [&'static str; 2]);

/// One wrk run: a fresh server (pinned to `cpu` if given), wrk against it,
/// the server's, wrk's and others' CPU time over the run (others' on
/// `cpus`, those the cell runs on), a check that the server survived.
fn http_run(
    server: &Server,
    cpu: Option<usize>,
    cpus: &[usize],
    mut load: WrkLoad,
    log: &std::path::Path,
) -> Outcome<HttpOutcome> {
    let started = match cpu {
        Some(cpu) => ServerProcess::start(server, cpu, log),
        None => ServerProcess::start_unpinned(server, log),
    };
    let mut process = match started {
        Ok(process) => process,
        Err(e) => return Outcome::Failed(format!("{e:#}")),
    };
    load.addr = process.addr();
    let measured = (|| -> anyhow::Result<HttpOutcome> {
        let pid = process.pid();
        let before = (Busy::read(cpus, pid)?, cpu_time::waited_children()?);
        let started = Instant::now();
        let wrk = wrk::run(&load)?;
        // wrk has been waited for, the server not yet: the children's time
        // that grew is wrk's.
        let after = (Busy::read(cpus, pid)?, cpu_time::waited_children()?);
        let load_cpu = after.1.saturating_sub(before.1);
        let wall = started.elapsed().as_secs_f64().max(1e-9);
        process.check_alive()?;
        Ok(HttpOutcome {
            wrk,
            server_cpu: after
                .0
                .process_time()
                .saturating_sub(before.0.process_time()),
            load_cpu,
            others: (before.0.others_until(&after.0) - load_cpu.as_secs_f64() / wall).max(0.0),
        })
    })();
    process.stop();
    match measured {
        Ok(outcome) => Outcome::Done(outcome),
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

/// A wrk run's progress line.
fn describe(outcome: &Outcome<HttpOutcome>) -> String {
    match outcome {
        Outcome::Done(o) => format!(
            "{} req/s, p99 {}, {} CPU/request; CPU: server {:.0}%, wrk {:.0}%, others {:.0}% ({})",
            count(o.wrk.per_second),
            nanos(o.wrk.p99_ns),
            o.cpu_per_request_ns().map_or("no".to_owned(), nanos),
            o.server_share().unwrap_or(0.0) * 100.0,
            o.load_share().unwrap_or(0.0) * 100.0,
            o.others * 100.0,
            o.wrk
        ),
        Outcome::Failed(why) => format!("FAILED: {why}"),
        Outcome::NotApplicable(why) => format!("n/a: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_http_server_is_found_and_none_is_an_echo_server() {
        for server in SERVERS {
            assert_eq!(find(server.name).map(|s| s.name), Some(server.name));
            assert!(
                crate::servers::find(server.name).is_none(),
                "{}",
                server.name
            );
        }
        assert!(find(crate::servers::TOKIO).is_none());
    }

    #[test]
    fn the_plans_fit_their_suites() {
        let quick = HttpPlan::quick();
        assert!(quick.estimate(1) < Duration::from_secs(10));
        assert!(HttpPlan::default_plan().estimate(3) < Duration::from_secs(150));
        // 2 runtimes x (1 pinning x 2 counts + 1 per-core count) + 2
        // fetchers, one run; and 2 syscall counts at each of 2 pacings.
        assert_eq!(quick.cells(1), 2 * 2 + 2 + 2 + 4);
    }

    #[test]
    fn cells_summarize_over_runs_and_count_failures() {
        let report = |per_second, non_2xx| WrkReport {
            requests: 1_000,
            seconds: 1.0,
            per_second,
            p50_ns: 1e5,
            p99_ns: 1e6,
            non_2xx,
            socket_errors: 0,
        };
        let run = |run, outcome| HttpRun {
            server: GHETTO,
            pinning: Some(Pinning::Split),
            connections: 10,
            run,
            outcome,
        };
        let done = |per_second, non_2xx| {
            Outcome::Done(HttpOutcome {
                wrk: report(per_second, non_2xx),
                server_cpu: Duration::from_millis(500),
                load_cpu: Duration::from_millis(900),
                others: 0.1,
            })
        };
        let results = HttpResults {
            runs: vec![
                run(0, done(1_000.0, 0)),
                run(1, Outcome::Failed("boom".into())),
                run(2, done(3_000.0, 2)),
            ],
            ..HttpResults::default()
        };
        let Summary::Value { value, failed_runs } =
            results.summary(GHETTO, Some(Pinning::Split), 10)
        else {
            panic!("the cell has measured runs");
        };
        assert_eq!(value.rate.median, 2_000.0);
        assert_eq!(value.cpu_per_request.map(|s| s.median), Some(500_000.0));
        assert_eq!(
            (value.server_share, value.load_share),
            (Some(0.5), Some(0.9))
        );
        assert_eq!((value.failures, failed_runs.len()), (2, 1));
        assert!(matches!(
            results.summary(GHETTO, None, 10),
            Summary::Missing
        ));
    }
}

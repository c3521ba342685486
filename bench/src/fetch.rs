//! Chapter 21's fetcher on both runtimes: completed requests per second,
//! p99, and the fetcher's CPU time per request.
//!
//! The fetcher runs in this process, on a thread pinned to the load's CPU,
//! against one server process: the app on one ghetto-loop, pinned to the
//! other CPU. One server for every run, so the two fetchers face the same
//! peer, and a peer on a CPU of its own, so that a difference between them
//! is theirs. Their CPU time per request is their own thread's, so it
//! compares them whichever side set the pace.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use ch21_capstone::FetchPlan;
use ghetto_loop::sys::SelectorKind;

use crate::child::Runtime;
use crate::cpu_time;
use crate::http::{self, Cells, FetchFigures, HttpPlan};
use crate::pin::{Placement, on_cpu};
use crate::results::{Outcome, RuntimeRun};
use crate::server_process::ServerProcess;
use crate::suite::Suite;
use crate::units::{count, nanos, thousands};

/// How long one request may take before the fetcher counts it failed.
const TIMEOUT: Duration = Duration::from_secs(2);

/// The fetcher's plan for `requests` at most `in_flight` at once.
fn plan(requests: usize, in_flight: usize) -> FetchPlan {
    FetchPlan {
        requests,
        in_flight,
        timeout: TIMEOUT,
        ..FetchPlan::default()
    }
}

/// Both runtimes' fetchers, every run, alternating, against one server on
/// `place.server`, each fetcher on `place.client`.
pub fn measure(
    cells: &mut impl Cells,
    suite: &Suite,
    place: Placement,
) -> anyhow::Result<Vec<RuntimeRun<FetchFigures>>> {
    let HttpPlan {
        fetch_requests,
        fetch_in_flight,
        ..
    } = suite.http;
    let server = http::find(http::GHETTO).context("the HTTP servers are registered")?;
    let log = cells.log(server, "the fetchers' server")?;
    let mut process = ServerProcess::start(server, place.server, &log);
    let mut runs = Vec::new();
    for run in 0..suite.runs {
        for runtime in Runtime::ALL {
            let outcome = match &mut process {
                Err(e) => Outcome::Failed(format!("the server did not start: {e:#}")),
                Ok(process) => {
                    let plan = plan(fetch_requests, fetch_in_flight);
                    let measured = fetch_once(runtime, process.addr(), plan, place.client)
                        .and_then(|figures| process.check_alive().map(|()| figures));
                    match measured {
                        Ok(figures) => Outcome::Done(figures),
                        Err(e) => Outcome::Failed(format!("{e:#}")),
                    }
                }
            };
            let what = format!(
                "fetch {} requests, {fetch_in_flight} in flight, on {} (run {}/{})",
                thousands(fetch_requests),
                runtime.name(),
                run + 1,
                suite.runs
            );
            let result = match &outcome {
                Outcome::Done(f) => format!(
                    "{} req/s, p99 {}, {} CPU/request, {} failed",
                    count(f.per_second),
                    nanos(f.p99_ns),
                    nanos(f.cpu_per_request_ns),
                    f.failures
                ),
                Outcome::Failed(why) | Outcome::NotApplicable(why) => format!("FAILED: {why}"),
            };
            cells.done(&what, &result);
            runs.push(RuntimeRun {
                runtime,
                run,
                outcome,
            });
        }
    }
    if let Ok(process) = process {
        process.stop();
    }
    Ok(runs)
}

/// One fetch on `runtime`, on a thread of its own pinned to `cpu`: what it
/// completed, and that thread's CPU time per completed request.
fn fetch_once(
    runtime: Runtime,
    addr: SocketAddr,
    plan: FetchPlan,
    cpu: usize,
) -> anyhow::Result<FetchFigures> {
    on_cpu(cpu, || {
        let before = cpu_time::this_thread()?;
        let report = fetch(runtime, addr, plan)?;
        let cpu = cpu_time::this_thread()?.saturating_sub(before);
        anyhow::ensure!(report.completed > 0, "no request completed: {report}");
        Ok(FetchFigures {
            per_second: report.per_second(),
            p99_ns: report.percentile(0.99).as_nanos() as f64,
            cpu_per_request_ns: cpu.as_nanos() as f64 / report.completed as f64,
            failures: report.failures(),
            first_failure: report.failed.keys().next().cloned(),
        })
    })
}

/// Runs `plan` on `runtime` on this thread; ghetto-loop on epoll whatever
/// `GHETTO_SELECTOR` says, as the servers under test are.
fn fetch(
    runtime: Runtime,
    addr: SocketAddr,
    plan: FetchPlan,
) -> anyhow::Result<ch21_capstone::FetchReport> {
    let runtime = match runtime {
        Runtime::GhettoLoop => ch21_capstone::Runtime::Ghetto,
        Runtime::Tokio => ch21_capstone::Runtime::Tokio,
    };
    Ok(runtime.fetch(SelectorKind::Epoll, addr, plan)?)
}

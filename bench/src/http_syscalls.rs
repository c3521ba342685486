//! The capstone's HTTP server (chapter 21): its system calls per request
//! on each runtime, counted by `strace -f -c` as the echo servers' are.
//!
//! Two traced runs on fresh servers, `small` then `large` requests on one
//! keep-alive connection, and their difference over the requests between,
//! so that starting, connecting and stopping cancel out (see
//! [`crate::syscalls`]). The client is a blocking one in this process, the
//! same for both servers, at both pacings: **paced**, it pauses after each
//! answer, so the server has gone back to waiting before the next request
//! comes, as it would untraced; **back to back**, strace slows the server
//! so much that the next request is often there when it reads again, and
//! the count shows how a server behaves when it always has work.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow, bail, ensure};
use ch21_capstone::FetchPlan;
use ch21_capstone::app::fetch::ResponseReader;

use crate::child::Runtime;
use crate::http::HttpSyscalls;
use crate::http::{self, Cells};
use crate::pin::{Placement, on_cpu};
use crate::results::Outcome;
use crate::server_process::ServerProcess;
use crate::servers::Server;
use crate::suite::Suite;
use crate::syscalls::{self, Pacing, SyscallCount, Tracer};

/// How long the client waits for one answer before it gives up.
const ANSWER_LIMIT: Duration = Duration::from_secs(5);

/// Each runtime's server counted once at each pacing, with strace's
/// summaries in `strace/` beside the logs.
pub fn count(
    cells: &mut impl Cells,
    suite: &Suite,
    place: Placement,
) -> anyhow::Result<Vec<HttpSyscalls>> {
    let ready = syscalls::strace_ready();
    let mut runs = Vec::new();
    for (pacing, runtime) in Pacing::ALL
        .into_iter()
        .flat_map(|p| Runtime::ALL.map(|r| (p, r)))
    {
        let name = match runtime {
            Runtime::GhettoLoop => http::GHETTO,
            Runtime::Tokio => http::TOKIO,
        };
        let server = http::find(name).context("the HTTP servers are registered")?;
        let what = format!("syscalls per HTTP request, {}, {name}", pacing.name());
        let outcome = match &ready {
            Err(why) => Outcome::NotApplicable(why.clone()),
            Ok(()) => {
                let log = cells.log(server, &what)?;
                match count_one(server, pacing, suite, place, &log) {
                    Ok(count) => Outcome::Done(count),
                    Err(e) => Outcome::Failed(format!("{e:#}")),
                }
            }
        };
        let result = match &outcome {
            Outcome::Done(c) => format!("{:.2} per request", c.total()),
            Outcome::Failed(why) => format!("FAILED: {why}"),
            Outcome::NotApplicable(why) => format!("n/a: {why}"),
        };
        cells.done(&what, &result);
        runs.push(HttpSyscalls {
            pacing,
            runtime,
            outcome,
        });
    }
    Ok(runs)
}

/// One server's count: the two traced runs and their difference.
fn count_one(
    server: &Server,
    pacing: Pacing,
    suite: &Suite,
    place: Placement,
    log: &Path,
) -> anyhow::Result<SyscallCount> {
    let (small, large) = suite.http.syscall_requests;
    ensure!(
        large > small,
        "the second run needs more requests than the first ({small}, {large})"
    );
    let dir = log
        .parent()
        .and_then(Path::parent)
        .context("the logs have no parent directory")?
        .join("strace");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut totals = Vec::new();
    for n in [small, large] {
        let summary = dir.join(format!("{}-{}-{n}.txt", server.name, pacing.name()));
        let mut process =
            ServerProcess::start_traced(server, Tracer::Strace, place.server, log, &summary)?;
        let addr = process.addr();
        let pause = (pacing == Pacing::Paced).then_some(suite.syscall_pause);
        let connection = on_cpu(place.client, || one_at_a_time(addr, n, pause))?;
        // Stopped with the connection open, in the same state in both
        // runs, so that what it does at the end cancels out too.
        process.finish_trace()?;
        drop(connection);
        let text = std::fs::read_to_string(&summary)
            .with_context(|| format!("cannot read {}", summary.display()))?;
        totals.push(
            syscalls::parse_summary(&text).with_context(|| format!("in {}", summary.display()))?,
        );
    }
    Ok(syscalls::per_round_trip(
        &totals[0],
        &totals[1],
        large - small,
    ))
}

/// `n` requests on one keep-alive connection, each after the whole answer
/// to the one before and then `pause`, if any; every answer must be a 200.
/// Returns the connection, still open.
fn one_at_a_time(addr: SocketAddr, n: usize, pause: Option<Duration>) -> anyhow::Result<TcpStream> {
    let mut stream =
        TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(ANSWER_LIMIT))?;
    let request = FetchPlan::default().request_bytes(addr);
    let mut answers = ResponseReader::default();
    for i in 0..n {
        stream.write_all(&request)?;
        let head = loop {
            if let Some(head) = answers.next_response().map_err(|e| anyhow!(e))? {
                break head;
            }
            let got = stream
                .read(answers.spare())
                .with_context(|| format!("no answer to request {}", i + 1))?;
            if got == 0 {
                bail!("the server closed the connection after {i} answers");
            }
            answers.filled(got);
        };
        ensure!(
            head.status == 200,
            "request {} was answered {}",
            i + 1,
            head.status
        );
        if let Some(pause) = pause {
            std::thread::sleep(pause);
        }
    }
    Ok(stream)
}

//! The report's sections on chapter 21's HTTP server: on one loop under
//! wrk, on every core, its fetcher, and its system calls per request.

use std::fmt::Write;

use crate::child::Runtime;
use crate::http::{self, HttpSummary, TOKIO, TOKIO_MULTI};
use crate::pin::Pinning;
use crate::report::{
    by_name, calls, measured_cell, percent, plural, syscall_table_head, times, unmeasured, warnings,
};
use crate::results::{Outcome, Results, Summary};
use crate::syscalls::{Group, Pacing};
use crate::units::{count, nanos, ratio, thousands};

/// Every HTTP section, in order.
pub fn render(md: &mut String, r: &Results) {
    one_loop(md, r);
    per_core(md, r);
    fetcher(md, r);
    syscalls(md, r);
}

fn one_loop(md: &mut String, r: &Results) {
    let plan = &r.suite.http;
    let _ = writeln!(md, "## HTTP: the capstone on both runtimes\n");
    let _ = writeln!(
        md,
        "Chapter 21's app (its HTTP/1.1 server; the same `shell.rs` compiled once per runtime) \
         on one ghetto-loop against one tokio current-thread runtime with a `LocalSet`, under \
         [wrk](https://github.com/wg/wrk): `wrk -c N -t T -d {}s --latency http://ADDR{}`, N \
         keep-alive connections with one request in flight on each, T = 1 below 100 \
         connections and 2 from 100 on (at a thousand, one wrk thread would be the limit). \
         Each run, {}, starts a fresh server process pinned as the echo cells are, and wrk is \
         pinned to the load's CPU. **requests/s** and **p99** (the 99% line of wrk's latency \
         distribution) are wrk's; **server CPU per request** is the server's CPU time over \
         the run (from /proc, connecting included) divided by the requests wrk completed, and \
         **server CPU** and **wrk CPU** are each one's CPU time as a share of one CPU (wrk's \
         from this process's waited-for children, all its threads): in `split`, whichever is \
         near 100% is the bottleneck, and † marks a cell where wrk used 90% or more, so the \
         figure is wrk's limit and the server might do more (its CPU per request still \
         compares the two). **others' CPU** is what else ran on the cell's CPUs meanwhile \
         (other processes, kernel threads, interrupts charged to neither): the noise. Median and range over runs; the ratio is against tokio at the \
         same connections. The goal: ghetto-loop at 1.00× or better.\n",
        plan.seconds,
        http::PATH,
        times(r.suite.runs),
    );
    if let Some(why) = &r.http.skipped {
        let _ = writeln!(md, "**wrk**: {why}.\n");
        return;
    }
    let mut behind = Vec::new();
    for (pinning, place) in &r.placements {
        if !plan.pinnings.contains(pinning) {
            continue;
        }
        let _ = writeln!(md, "### `{}`: {place}\n", pinning.name());
        wrk_table(
            md,
            r,
            Some(*pinning),
            &plan.connections,
            [http::GHETTO, TOKIO],
            &mut behind,
        );
    }
    behind_lines(md, r, &behind);
}

fn per_core(md: &mut String, r: &Results) {
    let plan = &r.suite.http;
    let cpus = r.machine.cpus_allowed.len();
    let _ = writeln!(
        md,
        "## HTTP beyond one loop: a ghetto-loop per core against tokio's multi-thread runtime\n"
    );
    let _ = writeln!(
        md,
        "The same app as one ghetto-loop per core ({cpus} here), each with its own listener on \
         the shared port (`SO_REUSEPORT`: the kernel spreads connections over the listeners by \
         a hash of the peer's address, and a connection stays on its loop), against tokio's \
         multi-thread runtime, whose workers steal tasks from each other. The same wrk \
         command with 2 threads, {}. **Nobody is pinned**: the server's {cpus} threads and \
         wrk's 2 share the machine's {cpus} CPUs, so the server gets what wrk leaves it, and \
         its CPU column can reach {cpus}00%. On a machine this small the figure says how each \
         design shares the cores with its load, not how far it scales; on more cores than the \
         load needs, the per-core servers would have cores of their own.\n",
        times(r.suite.runs),
    );
    if let Some(why) = &r.http.skipped {
        let _ = writeln!(md, "**wrk**: {why}.\n");
        return;
    }
    let mut behind = Vec::new();
    wrk_table(
        md,
        r,
        None,
        &plan.per_core_connections,
        [http::GHETTO_PER_CORE, TOKIO_MULTI],
        &mut behind,
    );
    behind_lines(md, r, &behind);
}

/// A cell where the first server of a pair is behind the second, its
/// baseline: what, where, and the two summaries.
type Behind = (String, Option<Pinning>, HttpSummary, HttpSummary);

/// A table of `pair` (the server, then its baseline) at every count in
/// `connections`, in `pinning` (`None`: unpinned); cells where the server
/// is behind its baseline in requests per second go into `behind`.
fn wrk_table(
    md: &mut String,
    r: &Results,
    pinning: Option<Pinning>,
    connections: &[usize],
    [server, baseline]: [&str; 2],
    behind: &mut Vec<Behind>,
) {
    let _ = writeln!(
        md,
        "| server | connections | requests/s | p99 | server CPU per request | server CPU | wrk CPU | others' CPU |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for &n in connections {
        let theirs = match r.http.summary(baseline, pinning, n) {
            Summary::Value { value, .. } => Some(value),
            _ => None,
        };
        for name in [server, baseline] {
            let base = theirs.filter(|_| name == server);
            let row = match r.http.summary(name, pinning, n) {
                Summary::Value { value, failed_runs } => {
                    if let Some(t) = base
                        && value.rate.median < t.rate.median
                    {
                        let place = pinning.map_or("unpinned", Pinning::name);
                        let what =
                            format!("{} {}, `{place}`", thousands(n), plural(n, "connection"));
                        behind.push((what, pinning, value, t));
                    }
                    let mut warn = warnings(value.failures, failed_runs.len());
                    if pinning == Some(Pinning::Split) && value.load_share >= Some(0.9) {
                        warn.push_str(" †");
                    }
                    format!(
                        "{}{warn} | {} | {} | {} | {} | {}",
                        measured_cell(Some(value.rate), base.map(|t| t.rate), count, ""),
                        measured_cell(Some(value.p99), base.map(|t| t.p99), nanos, ""),
                        measured_cell(
                            value.cpu_per_request,
                            base.and_then(|t| t.cpu_per_request),
                            nanos,
                            "no CPU reading",
                        ),
                        percent(value.server_share),
                        percent(value.load_share),
                        percent(value.others),
                    )
                }
                other => format!("{} | | | | | ", unmeasured(&other)),
            };
            let _ = writeln!(md, "| {name} | {} | {row} |", thousands(n));
        }
    }
    let _ = writeln!(md);
}

/// The sentence under a table naming every cell where the server is behind
/// its baseline, with what was measured about why: its CPU per request
/// against the baseline's, whether it had CPU to spare, and the system
/// calls per request when they were counted.
fn behind_lines(md: &mut String, r: &Results, behind: &[Behind]) {
    if behind.is_empty() {
        return;
    }
    let mut why = Vec::new();
    for (what, pinning, mine, theirs) in behind {
        let mut reasons = Vec::new();
        if let (Some(m), Some(t)) = (mine.cpu_per_request, theirs.cpu_per_request) {
            reasons.push(format!(
                "it spends {} per request, {} tokio's",
                nanos(m.median),
                ratio(m.median, t.median)
            ));
        }
        if *pinning == Some(Pinning::Shared) {
            reasons.push(format!(
                "it and wrk shared one CPU, {} and {} of it, so requests per second follow the \
                 CPU per request",
                percent(mine.server_share),
                percent(mine.load_share)
            ));
        } else if let Some(share) = mine.server_share.filter(|s| *s < 0.9) {
            reasons.push(format!(
                "it used {} of a CPU and wrk {}, so it waited for wrk or for the CPU, which \
                 others used {} of",
                percent(Some(share)),
                percent(mine.load_share),
                percent(mine.others)
            ));
        }
        if reasons.is_empty() {
            reasons.push("no CPU reading to say why".to_owned());
        }
        why.push(format!(
            "{what}: {} ({})",
            ratio(mine.rate.median, theirs.rate.median),
            reasons.join("; ")
        ));
    }
    let _ = writeln!(md, "Behind its baseline: {}.", why.join("; "));
    let totals = (
        syscall_total(r, Runtime::GhettoLoop),
        syscall_total(r, Runtime::Tokio),
    );
    if let (Some(g), Some(t)) = totals {
        let _ = writeln!(
            md,
            "Counted on one connection, paced, the app on ghetto-loop makes {} system calls \
             per request to tokio's {} (the last tables of this part).",
            calls(g),
            calls(t)
        );
    }
    let _ = writeln!(md);
}

/// `runtime`'s system calls per request, paced, if counted.
fn syscall_total(r: &Results, runtime: Runtime) -> Option<f64> {
    r.http.syscalls.iter().find_map(|run| match &run.outcome {
        Outcome::Done(c) if run.runtime == runtime && run.pacing == Pacing::Paced => {
            Some(c.total())
        }
        _ => None,
    })
}

fn fetcher(md: &mut String, r: &Results) {
    let plan = &r.suite.http;
    let _ = writeln!(md, "## The fetcher on both runtimes\n");
    let server = r
        .placements
        .iter()
        .find(|(p, _)| *p == Pinning::Split)
        .or(r.placements.first())
        .map_or("the quiet placement".to_owned(), |(_, place)| {
            place.to_string()
        });
    let _ = writeln!(
        md,
        "Chapter 21's concurrent fetcher: {} `GET`s, at most {} in flight (one keep-alive \
         connection each), on each runtime, {} in turn, all against one server process: the \
         app on one ghetto-loop ({server}; the fetcher runs on the load's CPU). One server \
         for every run, so both fetchers face the same peer, on a CPU of its own, so that a \
         difference in requests per second is the fetchers'. **Fetcher CPU per request** is \
         the fetcher thread's own CPU time over the completed requests: it compares the two \
         whichever side set the pace. Median and range over runs.\n",
        thousands(plan.fetch_requests),
        plan.fetch_in_flight,
        times(r.suite.runs),
    );
    let _ = writeln!(
        md,
        "| fetcher | requests/s | p99 | fetcher CPU per request |\n|---|---:|---:|---:|"
    );
    let summary = |runtime: Runtime| {
        let runs = r
            .http
            .fetch
            .iter()
            .filter(move |f| f.runtime == runtime)
            .map(|f| &f.outcome);
        crate::results::summarize(runs, |done: &[&http::FetchFigures]| {
            let of = |f: fn(&http::FetchFigures) -> f64| -> Vec<f64> {
                done.iter().map(|d| f(d)).collect()
            };
            let spread = crate::stats::Spread::range;
            Some((
                spread(&of(|f| f.per_second))?,
                spread(&of(|f| f.p99_ns))?,
                spread(&of(|f| f.cpu_per_request_ns))?,
                done.iter().map(|f| f.failures).sum::<u64>(),
            ))
        })
    };
    let tokio = match summary(Runtime::Tokio) {
        Summary::Value { value, .. } => Some(value),
        _ => None,
    };
    for runtime in [Runtime::GhettoLoop, Runtime::Tokio] {
        let base = tokio.filter(|_| runtime != Runtime::Tokio);
        let row = match summary(runtime) {
            Summary::Value {
                value: (rate, p99, cpu, failures),
                failed_runs,
            } => {
                let warn = warnings(failures, failed_runs.len());
                format!(
                    "{}{warn} | {} | {}",
                    measured_cell(Some(rate), base.map(|b| b.0), count, ""),
                    measured_cell(Some(p99), base.map(|b| b.1), nanos, ""),
                    measured_cell(Some(cpu), base.map(|b| b.2), nanos, ""),
                )
            }
            other => format!("{} | | ", unmeasured(&other)),
        };
        let _ = writeln!(md, "| fetcher on {} | {row} |", runtime.name());
    }
    let _ = writeln!(md);
}

fn syscalls(md: &mut String, r: &Results) {
    let (small, large) = r.suite.http.syscall_requests;
    let _ = writeln!(md, "## HTTP: system calls per request, one connection\n");
    let _ = writeln!(
        md,
        "The app's server on each runtime under `strace -f -c`, loaded by one blocking client \
         on one keep-alive connection, `GET /hello/fetcher`, at the echo counts' two pacings: \
         **paced**, the client pauses {} after each answer, so the server has gone back to \
         waiting before the next request comes, as it would untraced; **back to back**, the \
         next request goes at once, and since strace slows the server it is often there \
         before the server looks again. (The count after {} requests − the count after {}) \
         / {}, each on a fresh server, counted once. strace's summaries are in `strace/` \
         beside this report.\n",
        nanos(r.suite.syscall_pause.as_nanos() as f64),
        thousands(large),
        thousands(small),
        thousands(large - small),
    );
    for pacing in Pacing::ALL {
        let _ = writeln!(md, "### {}\n", pacing.name());
        syscall_rows(md, r, pacing);
    }
}

/// The table of system calls per request at `pacing`, a row per runtime.
fn syscall_rows(md: &mut String, r: &Results, pacing: Pacing) {
    syscall_table_head(md);
    for (runtime, server) in [(Runtime::GhettoLoop, http::GHETTO), (Runtime::Tokio, TOKIO)] {
        let outcome = r
            .http
            .syscalls
            .iter()
            .find(|s| s.runtime == runtime && s.pacing == pacing);
        let row = match outcome.map(|s| &s.outcome) {
            Some(Outcome::Done(c)) => {
                let groups: Vec<String> = Group::ALL.iter().map(|&g| calls(c.group(g))).collect();
                format!(
                    "{} | {} | {} | {}",
                    calls(c.total()),
                    groups.join(" | "),
                    calls(c.failed()),
                    by_name(c)
                )
            }
            Some(Outcome::Failed(_)) => "**failed** (see Failures)".to_owned(),
            Some(Outcome::NotApplicable(why)) => format!("n/a: {why}"),
            None => "not run".to_owned(),
        };
        let _ = writeln!(md, "| {server} | {row} |");
    }
    let _ = writeln!(md);
}

/// The HTTP cells' lines for the report's Failures section.
pub fn failure_lines(r: &Results) -> Vec<String> {
    let mut lines = Vec::new();
    let plan = &r.suite.http;
    let mut cells: Vec<(Option<Pinning>, usize, &str)> = Vec::new();
    for (pinning, _) in &r.placements {
        for &n in &plan.connections {
            for name in [http::GHETTO, TOKIO] {
                cells.push((Some(*pinning), n, name));
            }
        }
    }
    for &n in &plan.per_core_connections {
        for name in [http::GHETTO_PER_CORE, TOKIO_MULTI] {
            cells.push((None, n, name));
        }
    }
    for (pinning, n, name) in cells {
        let what = format!(
            "* http `{}` {name} with {} connections",
            pinning.map_or("unpinned", Pinning::name),
            thousands(n)
        );
        match r.http.summary(name, pinning, n) {
            Summary::Value { value, failed_runs } => {
                if value.failures > 0 {
                    lines.push(format!(
                        "{what}: {} answers not 2xx or 3xx, or socket errors (wrk's count)",
                        value.failures
                    ));
                }
                if let Some(first) = failed_runs.first() {
                    lines.push(format!(
                        "{what}: {} run(s) failed: {first}",
                        failed_runs.len()
                    ));
                }
            }
            Summary::Failed(why) => lines.push(format!("{what}: every run failed: {why}")),
            Summary::NotApplicable(_) | Summary::Missing => {}
        }
    }
    for run in &r.http.fetch {
        let name = run.runtime.name();
        match &run.outcome {
            Outcome::Done(f) if f.failures > 0 => lines.push(format!(
                "* fetcher on {name}, run {}: {} request(s) failed (first: {})",
                run.run + 1,
                f.failures,
                f.first_failure.as_deref().unwrap_or("no reason")
            )),
            Outcome::Failed(why) => lines.push(format!(
                "* fetcher on {name}, run {}: failed: {why}",
                run.run + 1
            )),
            _ => {}
        }
    }
    for run in &r.http.syscalls {
        if let Outcome::Failed(why) = &run.outcome {
            lines.push(format!(
                "* system calls per HTTP request on {}, {}: failed: {why}",
                run.runtime.name(),
                run.pacing.name()
            ));
        }
    }
    lines
}

//! The Markdown report: machine, method, tables with spreads and ratios
//! against tokio, failures, plots, and every echo cell in detail.

use std::fmt::Write;
use std::path::Path;

use ghetto_loop::sys::SelectorKind;

use crate::child::Runtime;
use crate::harness::{LOG_HEADER, minutes};
use crate::machine::utc;
use crate::pin::{Pinning, Placement};
use crate::results::{EchoSummary, MemorySummary, Outcome, Results, Summary};
use crate::servers::TOKIO;
use crate::stats::Spread;
use crate::syscalls::{Group, Pacing, SyscallCount};
use crate::timers::{LatenessSummary, TimerSummary};
use crate::units::{bytes, count, nanos, ratio, thousands};

/// The report for `results`; `logs` is the directory with the servers' logs.
pub fn render(results: &Results, logs: &Path) -> String {
    let mut md = String::new();
    header(&mut md, results);
    method(&mut md, results);
    counts(&mut md, results);
    throughput(&mut md, results);
    cpu_per_round_trip(&mut md, results);
    latency(&mut md, results);
    busy_among_idle(&mut md, results);
    memory(&mut md, results);
    selector_waits(&mut md, results);
    syscalls(&mut md, results);
    tasks(&mut md, results);
    timers(&mut md, results);
    timer_crowd(&mut md, results);
    sync(&mut md, results);
    crate::http_report::render(&mut md, results);
    failures(&mut md, results);
    server_logs(&mut md, results, logs);
    plots(&mut md);
    detail(&mut md, results);
    md
}

fn header(md: &mut String, r: &Results) {
    let m = &r.machine;
    let _ = writeln!(md, "# C10K benchmark: the course's servers against tokio\n");
    let _ = writeln!(
        md,
        "Measured with {} on {}, in {} (minutes:seconds).\n",
        r.command,
        utc(r.started),
        minutes(r.elapsed)
    );
    if m.build != "release" {
        let _ = writeln!(
            md,
            "**This is a {} build: its figures say the harness works, not how fast anything is.**\n",
            m.build
        );
    }
    let cpus: Vec<String> = m.cpus_allowed.iter().map(|c| c.to_string()).collect();
    let _ = writeln!(md, "| machine | |\n|---|---|");
    let _ = writeln!(
        md,
        "| CPU | {} ({} online; this run could use CPU {}) |",
        m.cpu_model,
        m.cpus_online,
        cpus.join(", ")
    );
    if let Some(mem) = m.memory_bytes {
        let _ = writeln!(md, "| memory | {} |", bytes(mem as f64));
    }
    let _ = writeln!(md, "| kernel | Linux {} |", m.kernel);
    let _ = writeln!(md, "| compiler | {} |", m.rustc);
    let _ = writeln!(md, "| build | {} |", m.build);
    let _ = writeln!(
        md,
        "| load average (1, 5, 15 min) | {} before, {} after |",
        r.load_before, r.load_after
    );
    for (pinning, _) in &r.placements {
        if let Some(noise) = r.echo_noise(*pinning) {
            let _ = writeln!(
                md,
                "| other processes on the CPUs of `{}` echo runs | {} of a CPU in the median run, {} in the worst |",
                pinning.name(),
                percent(Some(noise.median)),
                percent(Some(noise.high))
            );
        }
    }
    let _ = writeln!(md);
}

/// The counts per operation: the figures that repeat from run to run.
fn counts(md: &mut String, r: &Results) {
    match &r.counts {
        Ok(counts) => md.push_str(&counts.markdown()),
        Err(why) => {
            let _ = writeln!(
                md,
                "## Counts per operation: ghetto-loop against tokio\n\n**Not counted**: \
                 {why}.\n"
            );
        }
    }
}

fn method(md: &mut String, r: &Results) {
    let s = &r.suite;
    let _ = writeln!(md, "## How it was measured\n");
    let _ = writeln!(md, "| server | what it is |\n|---|---|");
    for server in &s.servers {
        let _ = writeln!(md, "| {} | {} |", server.name, server.what);
    }
    let _ = writeln!(md);
    let _ = writeln!(
        md,
        "* **Echo.** Each of N connections sends a {}-byte message, waits for the whole echo, checks \
         it byte for byte and sends the next one (a closed loop). {} of warm-up are not counted; \
         then every round trip that completes within the next {} is. Latency is one round trip, \
         from the write to the last byte read.",
        s.message,
        nanos(s.warmup.as_nanos() as f64),
        nanos(s.measure.as_nanos() as f64)
    );
    let _ = writeln!(
        md,
        "* **Runs.** Every cell runs {}, each time on a fresh server process, interleaved with \
         the other servers' runs. Tables show the median and, in parentheses, the range (min–max) \
         over runs.",
        match s.runs {
            1 => "once".to_owned(),
            n => format!("{n} times"),
        }
    );
    for (pinning, place) in &r.placements {
        let _ = writeln!(md, "* **Pinning `{}`.** {place}.", pinning.name());
    }
    let _ = writeln!(
        md,
        "* **Ratios** like `0.93×` compare with tokio's median in the same cell of this run. For \
         round trips per second higher is better; for latency and memory lower is better."
    );
    let _ = writeln!(
        md,
        "* **CPU use.** The server's CPU time (all its threads, from /proc/PID/stat) and the \
         load generator's (its one thread) during the counted window, as a share of one CPU; \
         they are in the last table. With the `split` pinning each has a CPU of its own, so \
         whichever is near 100% is the bottleneck. \"Others' CPU\" is what else ran on those \
         CPUs meanwhile (other processes, kernel threads, interrupts charged to neither, the \
         hypervisor): the noise in that cell."
    );
    let _ = writeln!(
        md,
        "* **Memory.** The server's resident memory (VmRSS in /proc/PID/status) right after it \
         starts listening, and again with N idle connections open (each echoed one byte first, \
         which proves the server is serving it). Per connection = the difference / N. Socket \
         buffers live in the kernel and are not part of RSS."
    );
    let _ = writeln!(
        md,
        "* **Selector wait.** One `wait` with a zero timeout on a fresh selector with N registered \
         fds, none of them ready: {} batches of {} waits, and the table shows the median time \
         per wait with the middle half of the batches (25th to 75th percentile) in parentheses.\n",
        s.wait_batches, s.waits_per_batch
    );
}

fn throughput(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## Echo throughput: round trips per second\n");
    for (pinning, place) in &r.placements {
        let _ = writeln!(md, "### `{}`: {place}\n", pinning.name());
        if *pinning == Pinning::Split {
            let _ = writeln!(
                md,
                "† The load generator used 90% or more of its CPU: that figure is the client's \
                 limit, and the server might do more.\n"
            );
        }
        echo_table(md, r, *pinning, |summary, tokio| {
            rate_cell(summary, tokio, *pinning)
        });
    }
}

fn cpu_per_round_trip(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## Server CPU time per round trip\n");
    let _ = writeln!(
        md,
        "The server's CPU time in the counted window divided by the round trips it served: what \
         one echo costs the server, whichever side was the bottleneck, so it compares the \
         servers even where the load generator set the pace (the † cells above). Lower is \
         better.\n"
    );
    for (pinning, place) in &r.placements {
        let _ = writeln!(md, "### `{}`: {place}\n", pinning.name());
        echo_table(md, r, *pinning, |summary, tokio| {
            measured_cell(
                summary.server_cpu_per_round_trip,
                tokio.and_then(|t| t.server_cpu_per_round_trip),
                nanos,
                "no CPU reading",
            )
        });
    }
}

fn latency(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## Echo latency: 99th percentile of one round trip\n");
    for (pinning, place) in &r.placements {
        let _ = writeln!(md, "### `{}`: {place}\n", pinning.name());
        echo_table(md, r, *pinning, p99_cell);
    }
}

/// Round trips per second, the ratio to tokio, and `†` where the load
/// generator had its own CPU and was the bottleneck.
fn rate_cell(summary: &EchoSummary, tokio: Option<&EchoSummary>, pinning: Pinning) -> String {
    let rate = summary.rate;
    let mut cell = spread(rate, count);
    if let Some(tokio) = tokio {
        let _ = write!(cell, " {}", ratio(rate.median, tokio.rate.median));
    }
    if pinning == Pinning::Split && summary.load_bound() {
        cell.push_str(" †");
    }
    cell
}

/// p99 latency and the ratio to tokio.
fn p99_cell(summary: &EchoSummary, tokio: Option<&EchoSummary>) -> String {
    measured_cell(
        summary.p99,
        tokio.and_then(|t| t.p99),
        nanos,
        "no round trip completed",
    )
}

/// A figure that may be missing (`missing` says why), with its spread and the
/// ratio to tokio's in the same cell when tokio has one.
pub(crate) fn measured_cell(
    value: Option<Spread>,
    tokio: Option<Spread>,
    format: fn(f64) -> String,
    missing: &str,
) -> String {
    let Some(value) = value else {
        return missing.to_owned();
    };
    let mut cell = spread(value, format);
    if let Some(tokio) = tokio {
        let _ = write!(cell, " {}", ratio(value.median, tokio.median));
    }
    cell
}

fn busy_among_idle(md: &mut String, r: &Results) {
    let s = &r.suite;
    let _ = writeln!(md, "## Few busy among many idle: round trips per second\n");
    let _ = writeln!(
        md,
        "The C10K case: most connections are idle, a few are busy. {} connections echo as in \
         the echo figure ({}-byte messages, the same warm-up, window and runs) while N more are \
         held open to the same server: each idle one echoed one byte when it opened, which \
         proves the server serves it, and then says nothing. An idle connection needs no \
         answer, but a server that waits on it pays for it anyway: select and poll hand the \
         kernel every fd on every wait and the kernel walks them all, so with {most} idle \
         connections each wait looks at {most} fds with nothing to say, and the busy ones get \
         fewer turns per second. epoll keeps the list in the kernel and hands back only the \
         ready fds, so its wait costs the same beside 0 idle connections or {most}: that is \
         why it exists. The thread-per-connection server scans nothing either (a blocked \
         thread costs the scheduler nothing until its data comes), but pays in memory: see \
         the next figure. Columns are the idle connections; the ratio is against tokio in \
         the same column.\n",
        s.busy_connections,
        s.message,
        most = thousands(s.busy_idle.iter().copied().max().unwrap_or(0)),
    );
    for (pinning, place) in busy_placements(r) {
        let _ = writeln!(md, "### `{}`: {place}\n", pinning.name());
        busy_table(md, r, pinning, |summary, tokio| {
            rate_cell(summary, tokio, pinning)
        });
    }
    let _ = writeln!(md, "## Few busy among many idle: p99 latency\n");
    for (pinning, place) in busy_placements(r) {
        let _ = writeln!(md, "### `{}`: {place}\n", pinning.name());
        busy_table(md, r, pinning, p99_cell);
    }
}

/// The placements the few-busy-among-idle cells ran in.
fn busy_placements(r: &Results) -> Vec<(Pinning, Placement)> {
    r.placements
        .iter()
        .filter(|(p, _)| r.suite.busy_pinnings.contains(p))
        .copied()
        .collect()
}

/// The echo table of the few-busy-among-idle cells: a column per idle count.
fn busy_table(
    md: &mut String,
    r: &Results,
    pinning: Pinning,
    cell: impl Fn(&EchoSummary, Option<&EchoSummary>) -> String,
) {
    summary_table(
        md,
        r,
        &r.suite.busy_idle,
        |n| format!("{} busy + {} idle", r.suite.busy_connections, thousands(n)),
        |server, n| r.busy_summary(server, pinning, n),
        cell,
    );
}

/// The echo table of `pinning`: a column per connection count.
fn echo_table(
    md: &mut String,
    r: &Results,
    pinning: Pinning,
    cell: impl Fn(&EchoSummary, Option<&EchoSummary>) -> String,
) {
    summary_table(
        md,
        r,
        &r.suite.echo_connections,
        |n| format!("{} {}", thousands(n), plural(n, "connection")),
        |server, n| r.echo_summary(server, pinning, n),
        cell,
    );
}

/// A table with a row per server and a column per count in `columns`,
/// headed by `heading`; `summary` finds a server's cell, and `cell` formats
/// a measured one given tokio's summary of the same cell (`None` for tokio
/// itself or when tokio has no figure).
fn summary_table(
    md: &mut String,
    r: &Results,
    columns: &[usize],
    heading: impl Fn(usize) -> String,
    summary: impl Fn(&str, usize) -> Summary<EchoSummary>,
    cell: impl Fn(&EchoSummary, Option<&EchoSummary>) -> String,
) {
    let _ = write!(md, "| server |");
    for &n in columns {
        let _ = write!(md, " {} |", heading(n));
    }
    let _ = writeln!(md, "\n|---|{}", "---:|".repeat(columns.len()));
    for server in &r.suite.servers {
        let _ = write!(md, "| {} |", server.name);
        for &n in columns {
            let tokio = match summary(TOKIO, n) {
                Summary::Value { value, .. } if server.name != TOKIO => Some(value),
                _ => None,
            };
            let text = match summary(server.name, n) {
                Summary::Value { value, failed_runs } => {
                    let mut text = cell(&value, tokio.as_ref());
                    text.push_str(&warnings(value.failures.total(), failed_runs.len()));
                    text
                }
                other => unmeasured(&other),
            };
            let _ = write!(md, " {text} |");
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md);
}

fn memory(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## Memory with idle connections\n");
    let columns = &r.suite.idle_connections;
    let _ = write!(md, "| server |");
    for &n in columns {
        let n = thousands(n);
        let _ = write!(md, " RSS, {n} idle | per connection | threads |");
    }
    let _ = writeln!(md, "\n|---|{}", "---:|---:|---:|".repeat(columns.len()));
    for server in &r.suite.servers {
        let _ = write!(md, "| {} |", server.name);
        for &n in columns {
            let tokio = match r.memory_summary(TOKIO, n) {
                Summary::Value { value, .. } if server.name != TOKIO => Some(value),
                _ => None,
            };
            match r.memory_summary(server.name, n) {
                Summary::Value { value, failed_runs } => {
                    let _ = write!(
                        md,
                        " {}{} | {} | {} |",
                        bytes(value.rss.median),
                        warnings(value.failures.total(), failed_runs.len()),
                        per_connection(&value, tokio.as_ref()),
                        count(value.threads.median)
                    );
                }
                other => {
                    let _ = write!(md, " {} | | |", unmeasured(&other));
                }
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md);
    more_memory_than_tokio(md, r);
}

/// The servers whose idle connection costs more than half again tokio's,
/// at the largest idle count, so nobody has to find them in the table.
fn more_memory_than_tokio(md: &mut String, r: &Results) {
    let Some(&n) = r.suite.idle_connections.iter().max() else {
        return;
    };
    let per = |server: &str| match r.memory_summary(server, n) {
        Summary::Value { value, .. } => value.per_connection.map(|s| s.median),
        _ => None,
    };
    let Some(tokio) = per(TOKIO) else {
        return;
    };
    let more: Vec<String> = r
        .suite
        .servers
        .iter()
        .filter_map(|s| Some((s.name, per(s.name)?)))
        .filter(|&(_, bytes_per)| bytes_per > tokio * 1.5)
        .map(|(name, bytes_per)| {
            format!("{name} {} ({})", bytes(bytes_per), ratio(bytes_per, tokio))
        })
        .collect();
    if !more.is_empty() {
        let _ = writeln!(
            md,
            "More memory per idle connection than tokio's {} at {}: {}. The table of servers \
             at the top says what each keeps per connection.\n",
            bytes(tokio),
            thousands(n),
            more.join(", ")
        );
    }
}

fn per_connection(value: &MemorySummary, tokio: Option<&MemorySummary>) -> String {
    measured_cell(
        value.per_connection,
        tokio.and_then(|t| t.per_connection),
        bytes,
        "no connection opened",
    )
}

fn selector_waits(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## Cost of one selector wait, by idle fds\n");
    let columns = &r.suite.wait_fds;
    let _ = write!(md, "| backend |");
    for &n in columns {
        let _ = write!(md, " {} idle fds |", thousands(n));
    }
    let _ = writeln!(md, "\n|---|{}", "---:|".repeat(columns.len()));
    for kind in SelectorKind::ALL {
        let _ = write!(md, "| {} |", kind.name());
        for &n in columns {
            let text = match r.wait_summary(kind.name(), n) {
                Summary::Value { value, .. } => spread(value, nanos),
                other => unmeasured(&other),
            };
            let _ = write!(md, " {text} |");
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md);
}

fn syscalls(md: &mut String, r: &Results) {
    let s = &r.suite;
    let (small, large) = s.syscall_round_trips;
    let _ = writeln!(md, "## System calls per round trip, one connection\n");
    let _ = writeln!(
        md,
        "What one {}-byte echo costs a one-thread server in system calls, counted exactly by \
         `strace -f -c` on the server alone (the load generator is not traced): (the count after \
         {} round trips − the count after {}) / {}, each on a fresh server, so starting, \
         connecting and stopping cancel out. **Paced**: the client pauses {} after each echo, \
         so the server has gone back to waiting before the next message comes. **Back to \
         back**: the next message goes at once; strace slows each of the server's calls by \
         tens of microseconds, so the message is often there before the server waits again \
         (more often than without strace). Paced counts repeat from run to run; back-to-back \
         counts depend on who wins that race, which the machine's load decides, so they are \
         run like the timings above and can move (a server that reads again before it waits, \
         as tokio does, makes anywhere from 2 calls, when the next message is there, to 4, when \
         that read finds nothing and it waits). A fraction means the server did not do the \
         same on every round trip. *read*: read, \
         recvfrom; *write*: write, sendto; *wait*: epoll_wait, epoll_pwait2, poll, ppoll, \
         select, pselect6; *failed*: calls that returned an error (a read that found nothing, `EAGAIN`). The ratio compares the \
         total with tokio's. The thread-per-connection server is not counted: its two calls \
         (read, write) hide what its threads cost. strace's own summaries are in `strace/` \
         beside this report.\n",
        s.message,
        thousands(large),
        thousands(small),
        thousands(large - small),
        nanos(s.syscall_pause.as_nanos() as f64),
    );
    let servers = s.syscall_servers();
    let reasons: Vec<&str> = r
        .syscalls
        .iter()
        .filter_map(|run| match &run.outcome {
            Outcome::NotApplicable(why) => Some(why.as_str()),
            _ => None,
        })
        .collect();
    if !reasons.is_empty() && reasons.len() == r.syscalls.len() {
        let _ = writeln!(md, "**Not measured**: {}.\n", reasons[0]);
        return;
    }
    for pacing in Pacing::ALL {
        let _ = match pacing.runs(s.runs) {
            1 => writeln!(md, "### {}\n", pacing.name()),
            n => writeln!(
                md,
                "### {}: the run with the median total of {n}, and the range of the total\n",
                pacing.name()
            ),
        };
        syscall_table_head(md);
        let tokio = match r.syscall_summary(TOKIO, pacing) {
            Summary::Value { value, .. } => Some(value),
            _ => None,
        };
        let mut behind = Vec::new();
        for server in &servers {
            let _ = write!(md, "| {} |", server.name);
            let (summary, failed_runs) = match r.syscall_summary(server.name, pacing) {
                Summary::Value { value, failed_runs } => (value, failed_runs),
                other => {
                    let _ = writeln!(
                        md,
                        " {} |{}",
                        unmeasured(&other),
                        " |".repeat(Group::ALL.len() + 2)
                    );
                    continue;
                }
            };
            let count = &summary.median;
            let mut total = spread(summary.total, calls);
            if let Some(tokio) = tokio.as_ref().filter(|_| server.name != TOKIO) {
                let _ = write!(total, " {}", ratio(count.total(), tokio.median.total()));
                if count.total() > tokio.median.total() + 0.05 {
                    behind.push(format!("{} {}", server.name, calls(count.total())));
                }
            }
            total.push_str(&warnings(0, failed_runs.len()));
            let _ = write!(md, " {total} |");
            for group in Group::ALL {
                let _ = write!(md, " {} |", calls(count.group(group)));
            }
            let _ = writeln!(md, " {} | {} |", calls(count.failed()), by_name(count));
        }
        let _ = writeln!(md);
        if let (Some(tokio), false) = (&tokio, behind.is_empty()) {
            let _ = writeln!(
                md,
                "More calls per round trip than tokio's {} ({}), {}: {}.\n",
                calls(tokio.median.total()),
                by_name(&tokio.median),
                pacing.name(),
                behind.join(", ")
            );
        }
    }
}

/// The head of a table of system calls: total, the groups, failed, by
/// name.
pub(crate) fn syscall_table_head(md: &mut String) {
    let _ = write!(md, "| server | total |");
    for group in Group::ALL {
        let _ = write!(md, " {} |", group.name());
    }
    let _ = writeln!(
        md,
        " failed | by name |\n|---|---:|{}---:|---|",
        "---:|".repeat(Group::ALL.len())
    );
}

/// Calls per round trip with two decimals; a difference of counts can come
/// out a hair below zero, which is zero.
pub(crate) fn calls(v: f64) -> String {
    if v.abs() < 0.005 {
        "0.00".to_owned()
    } else {
        format!("{v:.2}")
    }
}

/// `recvfrom 2.00 (1.00 failed), sendto 1.00`: every name with a count.
pub(crate) fn by_name(count: &SyscallCount) -> String {
    let names: Vec<String> = count
        .by_name
        .iter()
        .filter(|(_, c)| c.calls.abs() >= 0.005)
        .map(|(name, c)| {
            if c.failed.abs() >= 0.005 {
                format!("{name} {} ({} failed)", calls(c.calls), calls(c.failed))
            } else {
                format!("{name} {}", calls(c.calls))
            }
        })
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn tasks(md: &mut String, r: &Results) {
    let plan = r.suite.tasks;
    let _ = writeln!(md, "## Tasks: spawn and join, and memory per parked task\n");
    let _ = writeln!(
        md,
        "ghetto-loop's tasks (chapter 14) against tokio's current-thread runtime, each \
         measured {} in a fresh child process pinned to one CPU. **Spawn and join**: {} empty \
         tasks spawned one after the other, then each awaited through its `JoinHandle`; the \
         batch's time over {}, the median of {} timed batches (after one that is not timed). \
         **Per parked task**: {} tasks spawned (handles dropped) and each polled once, answering \
         `Pending` without keeping a waker, as `std::future::pending()` does: the RSS they add, \
         over {}. That is the task alone; what it waits for (a socket, a timer) costs on top. \
         The parked future has no size, so a runtime that boxes the future apart from the task \
         (ghetto-loop does, `ghetto-loop/src/task/raw.rs`; tokio keeps it inside the task) \
         allocates nothing for it here, where a future with state would cost it a second \
         allocation. Median and range over runs; lower is better for both.\n",
        match r.suite.runs {
            1 => "once".to_owned(),
            n => format!("{n} times"),
        },
        thousands(plan.tasks),
        thousands(plan.tasks),
        plan.batches,
        thousands(plan.tasks),
        thousands(plan.tasks),
    );
    let _ = writeln!(
        md,
        "| runtime | spawn + join, per task | RSS per parked task |\n|---|---:|---:|"
    );
    let tokio = match r.task_summary(Runtime::Tokio) {
        Summary::Value { value, .. } => Some(value),
        _ => None,
    };
    let mut behind = Vec::new();
    for runtime in Runtime::ALL {
        let baseline = tokio.filter(|_| runtime != Runtime::Tokio);
        let row = match r.task_summary(runtime) {
            Summary::Value { value, failed_runs } => {
                let warn = warnings(0, failed_runs.len());
                if let Some(t) = baseline {
                    let mut note = |what, mine, theirs| {
                        note_behind(
                            &mut behind,
                            runtime,
                            what,
                            (mine, theirs),
                            Better::Lower,
                            None,
                        )
                    };
                    note(
                        "time per spawn and join",
                        value.spawn_join_ns,
                        t.spawn_join_ns,
                    );
                    note(
                        "memory per parked task",
                        value.idle_task_bytes,
                        t.idle_task_bytes,
                    );
                }
                format!(
                    "{}{warn} | {}{warn}",
                    measured_cell(
                        Some(value.spawn_join_ns),
                        baseline.map(|t| t.spawn_join_ns),
                        nanos,
                        ""
                    ),
                    measured_cell(
                        Some(value.idle_task_bytes),
                        baseline.map(|t| t.idle_task_bytes),
                        bytes,
                        ""
                    ),
                )
            }
            other => format!("{} | ", unmeasured(&other)),
        };
        let _ = writeln!(md, "| {} | {row} |", runtime.name());
    }
    let _ = writeln!(md);
    behind_line(md, &behind);
}

/// Which way a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Better {
    /// Time, memory, lateness.
    Lower,
    /// Operations per second.
    Higher,
}

/// Notes in `behind` a figure where `runtime` is more than 10% worse
/// than tokio, with `why` if it is known: `ghetto-loop: 1.52× tokio's
/// time per spawn and join (reason not yet known)`.
fn note_behind(
    behind: &mut Vec<String>,
    runtime: Runtime,
    what: &str,
    (mine, theirs): (Spread, Spread),
    better: Better,
    why: Option<&str>,
) {
    let worse = match better {
        Better::Lower => mine.median > theirs.median * 1.1,
        Better::Higher => mine.median * 1.1 < theirs.median,
    };
    if worse {
        behind.push(format!(
            "{}: {} tokio's {what} ({})",
            runtime.name(),
            ratio(mine.median, theirs.median),
            why.unwrap_or("reason not yet known")
        ));
    }
}

/// The sentence under a runtime table that names every figure where
/// ghetto-loop is behind tokio (none: no sentence).
fn behind_line(md: &mut String, behind: &[String]) {
    if !behind.is_empty() {
        let _ = writeln!(md, "Behind tokio: {}.\n", behind.join("; "));
    }
}

/// Why ghetto-loop's crowd of timers costs more CPU, as measured by hand.
/// `perf stat` of `bench timers`: 11,700 `epoll_pwait2` in all (76,000
/// before timers within 250 µs shared a wake-up), tokio 17,900
/// `epoll_wait`, so the waits are no longer it; `perf record`: `malloc`
/// and `free` about 15 % of the loop's samples, the heap's sift 6 %.
const CROWD_COST: &str = "a sleep allocates its timer entry apart from the task (tokio's lives \
    in the future), and each insert and fire sifts a heap of 100,000 entries where tokio's wheel \
    links one in a slot; the loop now waits less often than tokio (timers within 250 µs of each \
    other share a wake-up)";

/// Why ghetto-loop's mutex hand-off is slower, as counted by hand (strace
/// of `bench sync`: 2 `epoll_pwait2` per hand-off, tokio 1 `epoll_wait`).
const PASS_PER_SWITCH: &str = "a pass of the loop runs only the tasks queued before it began, \
    after a zero-timeout look at the fds; with one task ready at a time, both task switches of \
    a hand-off cost a system call, where tokio makes one";

/// A runtime figure's summary, and tokio's beside it for the ratios (for
/// tokio itself, no baseline).
fn with_baseline<S: Clone>(
    summary: impl Fn(Runtime) -> Summary<S>,
) -> Vec<(Runtime, Summary<S>, Option<S>)> {
    let tokio = match summary(Runtime::Tokio) {
        Summary::Value { value, .. } => Some(value),
        _ => None,
    };
    Runtime::ALL
        .into_iter()
        .map(|runtime| {
            let baseline = tokio.clone().filter(|_| runtime != Runtime::Tokio);
            (runtime, summary(runtime), baseline)
        })
        .collect()
}

/// `once` or `3 times`.
pub(crate) fn times(runs: usize) -> String {
    match runs {
        1 => "once".to_owned(),
        n => format!("{n} times"),
    }
}

fn timers(md: &mut String, r: &Results) {
    let plan = &r.suite.timers;
    let _ = writeln!(md, "## Timers: how late a sleep wakes\n");
    let series: Vec<String> = plan
        .series
        .iter()
        .map(|s| {
            format!(
                "{} of {}",
                thousands(s.count),
                nanos(s.sleep.as_nanos() as f64)
            )
        })
        .collect();
    let _ = writeln!(
        md,
        "ghetto-loop's `sleep_until` (chapter 16) against `tokio::time::sleep_until` on tokio's \
         current-thread runtime, each measured {} in a fresh child process, its loop pinned to \
         one CPU. One task sleeps until a deadline a fixed time after now, again and again: {}, \
         one after another. **Lateness** is how long after its deadline the task ran again; a \
         task that ran *before* its deadline is an early wake, counted as a failure and kept \
         out of the percentiles. p99 is the nearest rank, max the latest wake. Median and range \
         over runs; lower is better. Each runtime as it ships: ghetto-loop asks for 1 ns of \
         timer slack and waits with `epoll_pwait2` (nanoseconds); tokio keeps the kernel's \
         default 50 µs slack, and its timer wheel counts whole milliseconds and rounds a \
         deadline up to the next one. A 1.5 ms sleep shows a wait rounded to milliseconds.\n",
        times(r.suite.runs),
        series.join(", "),
    );
    let rows = with_baseline(|runtime| r.timer_summary(runtime));
    // `tokio 41.2k (40.1k–42.0k), ghetto-loop ...`: a figure of each.
    let each = |figure: fn(&TimerSummary) -> Spread, format: fn(f64) -> String| -> String {
        let figures: Vec<String> = rows
            .iter()
            .filter_map(|(runtime, summary, _)| match summary {
                Summary::Value { value, .. } => Some(format!(
                    "{} {}",
                    runtime.name(),
                    spread(figure(value), format)
                )),
                _ => None,
            })
            .collect();
        if figures.is_empty() {
            "none measured".to_owned()
        } else {
            figures.join(", ")
        }
    };
    let share = |v: f64| percent(Some(v));
    let _ = writeln!(md, "### Idle: nothing else on the loop\n");
    let _ = writeln!(
        md,
        "Other processes' share of the loop's CPU meanwhile (the noise): {}.\n",
        each(|s| s.idle_others, share)
    );
    let mut behind = Vec::new();
    lateness_table(md, r, &rows, |s| &s.idle, "idle", &mut behind);
    let _ = writeln!(md, "### Under echo load\n");
    let _ = writeln!(
        md,
        "The same sleeps on a fresh runtime that also serves {} echo connections meanwhile: an \
         echo server on the same loop (tokio's is the benchmark's tokio peer, ghetto-loop's \
         chapter 15's shared-buffer echo, both reading into one shared buffer), and the \
         benchmark's load generator on a thread of the same process pinned to the other CPU, \
         {}-byte messages in a closed loop from {} before the first sleep until the last one \
         is done. Round trips per second the loop served meanwhile: {}. Other processes' \
         share of the loop's and the load's CPUs meanwhile (the noise): {}.\n",
        plan.load_connections,
        crate::timers::LOAD_MESSAGE,
        nanos(crate::timers::LOAD_WARMUP.as_nanos() as f64),
        each(|s| s.load_rate, count),
        each(|s| s.loaded_others, share),
    );
    lateness_table(md, r, &rows, |s| &s.loaded, "under load", &mut behind);
    behind_line(md, &behind);
}

/// A lateness table: a row per series and runtime.
fn lateness_table(
    md: &mut String,
    r: &Results,
    rows: &[(Runtime, Summary<TimerSummary>, Option<TimerSummary>)],
    pick: fn(&TimerSummary) -> &Vec<LatenessSummary>,
    condition: &str,
    behind: &mut Vec<String>,
) {
    let _ = writeln!(
        md,
        "| sleep | runtime | p50 late | p99 late | max late | early wakes |\n|---|---|---:|---:|---:|---:|"
    );
    for (i, s) in r.suite.timers.series.iter().enumerate() {
        let sleep = format!(
            "{} ×{}",
            nanos(s.sleep.as_nanos() as f64),
            thousands(s.count)
        );
        for (runtime, summary, baseline) in rows {
            let row = match summary {
                Summary::Value { value, failed_runs } => match pick(value).get(i) {
                    Some(late) => {
                        let theirs = baseline.as_ref().and_then(|t| pick(t).get(i));
                        if let Some(t) = theirs {
                            let what = format!("{sleep} p99 lateness {condition}");
                            note_behind(
                                behind,
                                *runtime,
                                &what,
                                (late.p99, t.p99),
                                Better::Lower,
                                None,
                            );
                        }
                        let warn = warnings(late.early as u64, failed_runs.len());
                        let cell = |mine: Spread, theirs: Option<Spread>| {
                            measured_cell(Some(mine), theirs, nanos, "")
                        };
                        format!(
                            "{} | {} | {} | {}{warn}",
                            cell(late.p50, theirs.map(|t| t.p50)),
                            cell(late.p99, theirs.map(|t| t.p99)),
                            cell(late.max, theirs.map(|t| t.max)),
                            late.early
                        )
                    }
                    None => "not measured | | |".to_owned(),
                },
                other => format!("{} | | |", unmeasured(other)),
            };
            let _ = writeln!(md, "| {sleep} | {} | {row} |", runtime.name());
        }
    }
    let _ = writeln!(md);
}

fn timer_crowd(md: &mut String, r: &Results) {
    let plan = &r.suite.timers;
    let _ = writeln!(
        md,
        "## Timers: a crowd of {} sleeping tasks\n",
        thousands(plan.crowd)
    );
    let _ = writeln!(
        md,
        "{} tasks spawned one after another, each sleeping until a deadline of its own, the \
         deadlines spread evenly over {} (the first {} after the start), then each awaited \
         through its `JoinHandle`. **Per timer** is the loop thread's CPU time from the first \
         spawn to the last join over {}, less the same for tasks that yield once instead of \
         sleeping (both read the clock once when they wake): what inserting the timer, firing \
         it and the wake-up it causes cost. CPU time, because the wall time is the spread. \
         **RSS per sleeping task**: the RSS the tasks add while all of them sleep, over {}, on \
         a fresh runtime (the tasks are then dropped unfired). ghetto-loop keeps timers in a \
         binary heap, O(log n) per insert and per fire, and waits for the last deadline within \
         250 µs of the nearest, so timers that close share a wake-up (a timer alone is waited \
         for to the nanosecond); tokio's hierarchical wheel costs O(1) and fires a \
         millisecond's timers at once. Median and range over runs ({}); lower is better.\n",
        thousands(plan.crowd),
        nanos(plan.spread.as_nanos() as f64),
        nanos(plan.crowd_lead().as_nanos() as f64),
        thousands(plan.crowd),
        thousands(plan.crowd),
        times(r.suite.runs),
    );
    let _ = writeln!(
        md,
        "| runtime | CPU per timer (insert + fire) | CPU per sleeping task, spawn to join | RSS per sleeping task |\n|---|---:|---:|---:|"
    );
    let mut behind = Vec::new();
    for (runtime, summary, baseline) in with_baseline(|runtime| r.timer_summary(runtime)) {
        let row = match summary {
            Summary::Value { value, failed_runs } => {
                let warn = warnings(value.crowd_early as u64, failed_runs.len());
                let cells = [
                    (
                        "CPU per timer",
                        value.timer_ns,
                        baseline.as_ref().map(|t| t.timer_ns),
                        nanos as fn(f64) -> String,
                    ),
                    (
                        "CPU per sleeping task",
                        value.sleeping_task_ns,
                        baseline.as_ref().map(|t| t.sleeping_task_ns),
                        nanos,
                    ),
                    (
                        "RSS per sleeping task",
                        value.sleeping_task_bytes,
                        baseline.as_ref().map(|t| t.sleeping_task_bytes),
                        bytes,
                    ),
                ];
                let mut row = Vec::new();
                for (what, mine, theirs, format) in cells {
                    if let Some(t) = theirs {
                        let why = what.starts_with("CPU").then_some(CROWD_COST);
                        note_behind(&mut behind, runtime, what, (mine, t), Better::Lower, why);
                    }
                    row.push(format!(
                        "{}{warn}",
                        measured_cell(Some(mine), theirs, format, "")
                    ));
                }
                row.join(" | ")
            }
            other => format!("{} | |", unmeasured(&other)),
        };
        let _ = writeln!(md, "| {} | {row} |", runtime.name());
    }
    let _ = writeln!(md);
    behind_line(md, &behind);
}

fn sync(md: &mut String, r: &Results) {
    let plan = r.suite.sync;
    let _ = writeln!(
        md,
        "## Sync: mutex hand-offs and channel messages per second\n"
    );
    let _ = writeln!(
        md,
        "ghetto-loop's `sync` (chapter 17) against `tokio::sync` on tokio's current-thread \
         runtime, each measured {} in a fresh child process pinned to one CPU, the same code on \
         both. **Mutex, lock and yield**: {} tasks share one async mutex; each, {} times, locks \
         it, adds one to the count inside, unlocks and yields. The lock is never held across \
         an `.await`, so no task waits for it: locks per second, each between two turns of \
         other tasks. **Held across a yield**: the same, but each task yields *while holding* \
         the lock, so the others always wait for it and every unlock hands it to the next in \
         line (FIFO on both): hand-offs per second. **Channel**: a bounded `mpsc` channel of \
         capacity {}, one producer task sending {} numbers and one consumer task receiving \
         them: messages per second. Each figure runs once at a tenth of its size first, not \
         timed; then its wall time from the first spawn to the last join. The count left in \
         the mutex and the sum of the messages are checked. Median and range over runs; \
         higher is better.\n",
        times(r.suite.runs),
        plan.tasks,
        thousands(plan.locks),
        plan.capacity,
        thousands(plan.messages),
    );
    let _ = writeln!(
        md,
        "| runtime | mutex, lock and yield (locks/s) | mutex held across a yield (hand-offs/s) | channel (messages/s) |\n|---|---:|---:|---:|"
    );
    let mut behind = Vec::new();
    for (runtime, summary, baseline) in with_baseline(|runtime| r.sync_summary(runtime)) {
        let row = match summary {
            Summary::Value { value, failed_runs } => {
                let warn = warnings(0, failed_runs.len());
                let figures = [
                    (
                        "mutex locks per second",
                        value.mutex_per_s,
                        baseline.map(|t| t.mutex_per_s),
                    ),
                    (
                        "mutex hand-offs per second",
                        value.handoff_per_s,
                        baseline.map(|t| t.handoff_per_s),
                    ),
                    (
                        "channel messages per second",
                        value.channel_per_s,
                        baseline.map(|t| t.channel_per_s),
                    ),
                ];
                let mut row = Vec::new();
                for (what, mine, theirs) in figures {
                    if let Some(t) = theirs {
                        let why = what.contains("hand-off").then_some(PASS_PER_SWITCH);
                        note_behind(&mut behind, runtime, what, (mine, t), Better::Higher, why);
                    }
                    row.push(format!(
                        "{}{warn}",
                        measured_cell(Some(mine), theirs, count, "")
                    ));
                }
                row.join(" | ")
            }
            other => format!("{} | |", unmeasured(&other)),
        };
        let _ = writeln!(md, "| {} | {row} |", runtime.name());
    }
    let _ = writeln!(md);
    behind_line(md, &behind);
}

/// `median (low–high)`, or just the median when there is no spread (one run).
pub(crate) fn spread(s: Spread, format: fn(f64) -> String) -> String {
    let (low, high) = (format(s.low), format(s.high));
    // Runs that differ below the printed precision have no spread to show.
    if low == high {
        format(s.median)
    } else {
        format!("{} ({low}–{high})", format(s.median))
    }
}

fn failures(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## Failures\n");
    let mut lines = Vec::new();
    for (pinning, _) in &r.placements {
        for server in &r.suite.servers {
            for &n in &r.suite.echo_connections {
                let what = format!(
                    "echo `{}` {} with {} connections",
                    pinning.name(),
                    server.name,
                    thousands(n)
                );
                if let Some(line) =
                    failure_line(&what, &r.echo_summary(server.name, *pinning, n), |v| {
                        &v.failures
                    })
                {
                    lines.push(line);
                }
            }
        }
    }
    for (pinning, _) in busy_placements(r) {
        for server in &r.suite.servers {
            for &n in &r.suite.busy_idle {
                let what = format!(
                    "few busy among idle `{}` {} with {} busy and {} idle connections",
                    pinning.name(),
                    server.name,
                    r.suite.busy_connections,
                    thousands(n)
                );
                if let Some(line) =
                    failure_line(&what, &r.busy_summary(server.name, pinning, n), |v| {
                        &v.failures
                    })
                {
                    lines.push(line);
                }
            }
        }
    }
    for server in &r.suite.servers {
        for &n in &r.suite.idle_connections {
            let what = format!(
                "memory {} with {} idle connections",
                server.name,
                thousands(n)
            );
            if let Some(line) =
                failure_line(&what, &r.memory_summary(server.name, n), |v| &v.failures)
            {
                lines.push(line);
            }
        }
    }
    for pacing in Pacing::ALL {
        for server in r.suite.syscall_servers() {
            if let Summary::Failed(why) = r.syscall_summary(server.name, pacing) {
                lines.push(format!(
                    "* system calls {} {}: failed: {why}",
                    pacing.name(),
                    server.name
                ));
            }
        }
    }
    for runtime in Runtime::ALL {
        let name = runtime.name();
        let what = format!("tasks on {name}");
        if let Some(line) = failure_line(&what, &r.task_summary(runtime), |_| &NO_FAILURES) {
            lines.push(line);
        }
        let timers = r.timer_summary(runtime);
        if let Some(line) = failure_line(&format!("timers on {name}"), &timers, |_| &NO_FAILURES) {
            lines.push(line);
        }
        if let Summary::Value { value, .. } = &timers
            && value.early() > 0.0
        {
            lines.push(format!(
                "* timers on {name}: {} early wake(s): a task ran again before its deadline",
                value.early()
            ));
        }
        let what = format!("sync on {name}");
        if let Some(line) = failure_line(&what, &r.sync_summary(runtime), |_| &NO_FAILURES) {
            lines.push(line);
        }
    }
    for kind in SelectorKind::ALL {
        for &n in &r.suite.wait_fds {
            if let Summary::Failed(why) = r.wait_summary(kind.name(), n) {
                lines.push(format!(
                    "* selector wait {kind} with {} fds: failed: {why}",
                    thousands(n)
                ));
            }
        }
    }
    lines.extend(crate::http_report::failure_lines(r));
    if lines.is_empty() {
        let _ = writeln!(
            md,
            "None: every connection opened and was served, every echo came back intact, every \
             server survived its runs.\n"
        );
    } else {
        let _ = writeln!(
            md,
            "Cells marked ⚠ above had these. Counts are connections, summed over runs.\n"
        );
        for line in lines {
            let _ = writeln!(md, "{line}");
        }
        let _ = writeln!(md);
    }
}

/// What each server wrote to stderr: not failures (chapter 02 logs every
/// client), but worth a look when a cell failed.
fn server_logs(md: &mut String, r: &Results, logs: &Path) {
    let _ = writeln!(md, "## Server logs\n");
    let _ = writeln!(
        md,
        "Each server's stderr is in `logs/NAME.log` beside this report, one `{}` line before \
         each run.\n",
        LOG_HEADER.trim_end()
    );
    for server in &r.suite.servers {
        let log = logs.join(format!("{}.log", server.name));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let said: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(LOG_HEADER))
            .collect();
        let _ = match said.first() {
            None => writeln!(md, "* {}: nothing", server.name),
            Some(first) => writeln!(
                md,
                "* {}: {} lines, the first: `{}`",
                server.name,
                thousands(said.len()),
                first.replace('`', "'")
            ),
        };
    }
    let _ = writeln!(md);
}

/// The connection failures of a figure that opens no connection.
static NO_FAILURES: crate::failures::Failures = crate::failures::Failures {
    connect: 0,
    reset: 0,
    closed: 0,
    timeout: 0,
    corrupt: 0,
    other: 0,
    first: None,
};

fn failure_line<T>(
    what: &str,
    summary: &Summary<T>,
    failures: impl Fn(&T) -> &crate::failures::Failures,
) -> Option<String> {
    match summary {
        Summary::Value { value, failed_runs } => {
            let f = failures(value);
            let mut parts = Vec::new();
            if f.total() > 0 {
                parts.push(format!(
                    "{f} (first: {})",
                    f.first.as_deref().unwrap_or("no message")
                ));
            }
            if let Some(first) = failed_runs.first() {
                parts.push(format!("{} run(s) failed: {first}", failed_runs.len()));
            }
            (!parts.is_empty()).then(|| format!("* {what}: {}", parts.join("; ")))
        }
        Summary::Failed(why) => Some(format!("* {what}: every run failed: {why}")),
        Summary::NotApplicable(_) | Summary::Missing => None,
    }
}

fn plots(md: &mut String) {
    let _ = writeln!(md, "## Plots\n");
    let _ = writeln!(
        md,
        "![Round trips per second and p99 latency vs connections](throughput.svg)\n"
    );
    let _ = writeln!(
        md,
        "![Server memory and threads vs idle connections](memory.svg)\n"
    );
    let _ = writeln!(
        md,
        "![Time of one selector wait vs idle fds](selector-wait.svg)\n"
    );
    let _ = writeln!(
        md,
        "![Round trips per second and p99 latency of a few busy connections vs idle connections beside them](busy-idle.svg)\n"
    );
}

fn detail(md: &mut String, r: &Results) {
    let _ = writeln!(md, "## Every echo cell\n");
    let _ = writeln!(
        md,
        "| pinning | server | connections | round trips/s | p50 | p99 | p99.9 | server CPU | load CPU | others' CPU | failures |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    let mut cells = Vec::new();
    for (pinning, _) in &r.placements {
        for &n in &r.suite.echo_connections {
            for server in &r.suite.servers {
                let summary = r.echo_summary(server.name, *pinning, n);
                cells.push((*pinning, server.name, thousands(n), summary));
            }
        }
    }
    for (pinning, _) in busy_placements(r) {
        for &idle in &r.suite.busy_idle {
            for server in &r.suite.servers {
                let summary = r.busy_summary(server.name, pinning, idle);
                let n = format!("{} + {} idle", r.suite.busy_connections, thousands(idle));
                cells.push((pinning, server.name, n, summary));
            }
        }
    }
    for (pinning, server, n, summary) in cells {
        let row = match summary {
            Summary::Value { value, failed_runs } => {
                let mut notes = value.failures.to_string();
                if !failed_runs.is_empty() {
                    let _ = write!(notes, "; {} run(s) failed", failed_runs.len());
                }
                format!(
                    "{} | {} | {} | {} | {} | {} | {} | {notes}",
                    count(value.rate.median),
                    value.p50.map_or("–".to_owned(), nanos),
                    value.p99.map_or("–".to_owned(), |s| nanos(s.median)),
                    value.p999.map_or("–".to_owned(), nanos),
                    percent(value.server_cpu),
                    percent(value.load_cpu),
                    percent(value.others_cpu),
                )
            }
            other => format!("{} | | | | | | | |", unmeasured(&other)),
        };
        let _ = writeln!(md, "| {} | {server} | {n} | {row} |", pinning.name());
    }
    let _ = writeln!(md);
}

/// `87%` of one CPU, or `–` when it could not be read.
pub(crate) fn percent(share: Option<f64>) -> String {
    share.map_or("–".to_owned(), |s| format!("{:.0}%", s * 100.0))
}

pub(crate) fn unmeasured<T>(summary: &Summary<T>) -> String {
    match summary {
        Summary::Value { .. } => "measured".to_owned(),
        Summary::Failed(_) => "**failed** (see Failures)".to_owned(),
        Summary::NotApplicable(why) => format!("n/a: {why}"),
        Summary::Missing => "not run".to_owned(),
    }
}

pub(crate) fn warnings(failures: u64, failed_runs: usize) -> String {
    match (failures, failed_runs) {
        (0, 0) => String::new(),
        (f, 0) => format!(" ⚠ {f} failed"),
        (0, runs) => format!(" ⚠ {runs} run(s) failed"),
        (f, runs) => format!(" ⚠ {f} failed, {runs} run(s) failed"),
    }
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

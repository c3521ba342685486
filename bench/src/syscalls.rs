//! System calls per round trip: what one echo costs a one-thread server in
//! trips into the kernel, counted exactly by `strace -f -c`.
//!
//! Timings move from run to run on a shared machine; counts do not. The
//! count is a difference of two runs on fresh servers, `(count(large) -
//! count(small)) / (large - small)` round trips on one connection, so that
//! starting the server, opening the connection and stopping cancel out.
//! Only the server is traced; the load generator runs in this process.
//!
//! strace slows every call it sees by tens of microseconds, and that changes
//! what the server finds when it looks: with a client that sends the next
//! message as soon as the echo is back, the message is often there before
//! the server has gone back to waiting, so it skips a wait it would make
//! unslowed. So each server is counted twice: **paced** (a pause after every
//! echo, so the server always goes back to waiting first) and **back to
//! back**.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

use crate::load::{self, CountedLoad};
use crate::pin::Placement;
use crate::server_process::ServerProcess;
use crate::servers::Server;

/// What a missing strace should tell the reader to do.
pub const INSTALL_HINT: &str = "install it (Debian, Ubuntu: `sudo apt-get install strace`) \
     and run the benchmark again";

/// How the client spaces its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// A pause after each echo: the server always waits for the next one.
    Paced,
    /// The next message as soon as the echo is back.
    BackToBack,
}

impl Pacing {
    /// Both, in the order the report shows them.
    pub const ALL: [Pacing; 2] = [Pacing::Paced, Pacing::BackToBack];

    /// `"paced"` or `"back-to-back"`.
    pub fn name(self) -> &'static str {
        match self {
            Pacing::Paced => "paced",
            Pacing::BackToBack => "back-to-back",
        }
    }

    /// How many times to count, given the suite's runs per cell. A paced
    /// count repeats exactly, so once is enough. A back-to-back count
    /// depends on a race (is the next message there before the server looks
    /// again?) that the machine's load decides, so it runs like a timing.
    pub fn runs(self, suite_runs: usize) -> usize {
        match self {
            Pacing::Paced => 1,
            Pacing::BackToBack => suite_runs,
        }
    }
}

/// The calls of one name: how many, and how many of them failed (a read
/// that said `EAGAIN`, mostly).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Calls {
    /// Calls made.
    pub calls: f64,
    /// Of which returned an error.
    pub failed: f64,
}

/// The system calls of one round trip, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyscallCount {
    /// Calls per round trip for every name strace saw.
    pub by_name: BTreeMap<String, Calls>,
}

/// The columns of the report: calls grouped by what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// `read`, `recvfrom` and their vectored kin.
    Read,
    /// `write`, `sendto` and their vectored kin.
    Write,
    /// Waiting in a selector: `epoll_wait`, `poll`, `select` and variants.
    Wait,
    /// Changing epoll's interest list.
    EpollCtl,
    /// Anything else (`accept4`, `close`, `fcntl`, `futex`...).
    Other,
}

impl Group {
    /// Every group, in the report's order.
    pub const ALL: [Group; 5] = [
        Group::Read,
        Group::Write,
        Group::Wait,
        Group::EpollCtl,
        Group::Other,
    ];

    /// The column heading.
    pub fn name(self) -> &'static str {
        match self {
            Group::Read => "read",
            Group::Write => "write",
            Group::Wait => "wait",
            Group::EpollCtl => "epoll_ctl",
            Group::Other => "other",
        }
    }

    /// The group of the system call called `name`.
    pub fn of(name: &str) -> Group {
        match name {
            "read" | "readv" | "recvfrom" | "recvmsg" => Group::Read,
            "write" | "writev" | "sendto" | "sendmsg" => Group::Write,
            "epoll_wait" | "epoll_pwait" | "epoll_pwait2" | "poll" | "ppoll" | "select"
            | "pselect6" => Group::Wait,
            "epoll_ctl" => Group::EpollCtl,
            _ => Group::Other,
        }
    }
}

impl SyscallCount {
    /// Calls per round trip, all names.
    pub fn total(&self) -> f64 {
        self.by_name.values().map(|c| c.calls).sum()
    }

    /// Calls per round trip in `group`.
    pub fn group(&self, group: Group) -> f64 {
        self.by_name
            .iter()
            .filter(|(name, _)| Group::of(name) == group)
            .map(|(_, c)| c.calls)
            .sum()
    }

    /// Failed calls per round trip, all names.
    pub fn failed(&self) -> f64 {
        self.by_name.values().map(|c| c.failed).sum()
    }
}

/// How a count is taken.
#[derive(Debug, Clone, Copy)]
pub struct SyscallPlan {
    /// Round trips of the two runs whose difference is the count.
    pub round_trips: (usize, usize),
    /// Bytes per message.
    pub message: usize,
    /// The pause after each echo when paced.
    pub pause: Duration,
}

/// Whether strace can run and trace here: `Err` says why not and what to do.
pub fn strace_ready() -> Result<(), String> {
    let out = Command::new("strace")
        .args(["-f", "-c", "-o", "/dev/null", "--", "true"])
        .stdin(Stdio::null())
        .output();
    match out {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Err(format!("strace is not installed: {INSTALL_HINT}"))
        }
        Err(e) => Err(format!("strace cannot be started ({e})")),
        Ok(out) if out.status.success() => Ok(()),
        // Typically `ptrace(PTRACE_TRACEME, ...): Operation not permitted`
        // in a container without CAP_SYS_PTRACE.
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr.lines().next().unwrap_or("no message");
            Err(format!(
                "strace cannot trace here ({}: {first})",
                out.status
            ))
        }
    }
}

/// A tool that runs a process and counts what it does, writing its count
/// into a file when the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracer {
    /// `strace -f -c`: system calls, by name, of every thread.
    Strace,
    /// `valgrind --tool=callgrind`: user-space instructions of every thread.
    Callgrind,
}

impl Tracer {
    /// The tool's command, counting into `out`, ready for the traced
    /// program and its arguments.
    pub fn command(self, out: &Path) -> Command {
        match self {
            Tracer::Strace => {
                let mut command = Command::new("strace");
                command.args(["-f", "-c", "-o"]).arg(out).arg("--");
                command
            }
            Tracer::Callgrind => {
                let mut command = Command::new("valgrind");
                let mut file = std::ffi::OsString::from("--callgrind-out-file=");
                file.push(out);
                // Its banner and summary go to the log (stderr), not stdout,
                // which the harness reads for `listening on ADDR`.
                command.args(["--tool=callgrind", "--quiet"]).arg(file);
                command
            }
        }
    }
}

/// The child side of [`ServerProcess::start_traced`]: replaces this process
/// with `tracer` counting into `out`, running this binary as the server
/// again (without the tracer's flag). The tracer inherits this process's CPU
/// pin and its parent-death signal, so it too dies with the harness.
/// Returns only if the tracer could not be run.
pub fn exec_traced(
    tracer: Tracer,
    out: &Path,
    name: &str,
    addr: SocketAddr,
    cpu: Option<usize>,
) -> io::Error {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return e,
    };
    let mut command = tracer.command(out);
    command.arg(exe).args(["serve", name, &addr.to_string()]);
    if let Some(cpu) = cpu {
        command.args(["--cpu", &cpu.to_string()]);
    }
    command.exec()
}

/// Counts `server`'s system calls per round trip at `pacing`: two traced
/// runs on fresh servers, the summaries written into `dir` (`run` tells
/// repeated counts' files apart).
pub fn count(
    server: &Server,
    pacing: Pacing,
    run: usize,
    plan: SyscallPlan,
    place: Placement,
    log: &Path,
    dir: &Path,
) -> anyhow::Result<SyscallCount> {
    let (small, large) = plan.round_trips;
    if large <= small {
        bail!("the second run needs more round trips than the first ({small}, {large})");
    }
    let pause = (pacing == Pacing::Paced).then_some(plan.pause);
    let mut runs = Vec::new();
    for n in [small, large] {
        let name = format!("{}-{}-run{}-{n}.txt", server.name, pacing.name(), run + 1);
        let summary = dir.join(name);
        let load = |addr| CountedLoad {
            addr,
            round_trips: n,
            message: plan.message,
            pause,
            settle: pause,
            cpu: place.client,
            connections: 1,
        };
        let text = traced_run(server, Tracer::Strace, place.server, log, &summary, load)?;
        runs.push(parse_summary(&text).with_context(|| format!("in {}", summary.display()))?);
    }
    Ok(per_round_trip(&runs[0], &runs[1], large - small))
}

/// Calls and failures of one name over a whole traced run.
type Totals = BTreeMap<String, (u64, u64)>;

/// One traced run: a fresh server under `tracer`, the load, the text of
/// the tracer's count (written into `out`).
pub(crate) fn traced_run(
    server: &Server,
    tracer: Tracer,
    cpu: usize,
    log: &Path,
    out: &Path,
    load: impl FnOnce(SocketAddr) -> CountedLoad,
) -> anyhow::Result<String> {
    let mut process = ServerProcess::start_traced(server, tracer, cpu, log, out)?;
    let load = load(process.addr());
    // The server is stopped while the connections are open, in the same
    // state in every run, so what it does at the end cancels out too.
    match load::run_counted(&load, || process.finish_trace()) {
        Err(e) => bail!("the load generator failed: {e}"),
        Ok(Err(failure)) => bail!("a round trip failed: {failure}"),
        Ok(Ok(finished)) => finished?,
    }
    std::fs::read_to_string(out)
        .with_context(|| format!("cannot read {tracer:?}'s count {}", out.display()))
}

/// The calls per name of `strace -c`'s table:
///
/// ```text
/// % time     seconds  usecs/call     calls    errors syscall
/// ------ ----------- ----------- --------- --------- ----------------
///  40.00    0.000040          13         3         1 read
/// ...
/// 100.00    0.000100                    10         1 total
/// ```
///
/// The errors column is blank for a name with none.
pub fn parse_summary(text: &str) -> anyhow::Result<Totals> {
    let mut totals = Totals::new();
    let mut saw_total = false;
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // Rows start with the percentage; headings and rules do not.
        if fields.len() < 5 || fields[0].parse::<f64>().is_err() {
            continue;
        }
        let name = fields[fields.len() - 1];
        if name == "total" {
            saw_total = true;
            continue;
        }
        let number = |i: usize| -> anyhow::Result<u64> {
            fields[i]
                .parse()
                .map_err(|_| anyhow!("unexpected line in strace's summary: {line:?}"))
        };
        let calls = number(3)?;
        let failed = if fields.len() == 6 { number(4)? } else { 0 };
        totals.insert(name.to_owned(), (calls, failed));
    }
    if !saw_total {
        bail!("strace wrote no summary table");
    }
    Ok(totals)
}

/// `(large - small) / round_trips` for every name either run saw.
pub(crate) fn per_round_trip(small: &Totals, large: &Totals, round_trips: usize) -> SyscallCount {
    let mut by_name = BTreeMap::new();
    for name in small.keys().chain(large.keys()) {
        let (s_calls, s_failed) = small.get(name).copied().unwrap_or_default();
        let (l_calls, l_failed) = large.get(name).copied().unwrap_or_default();
        let per = |l: u64, s: u64| (l as f64 - s as f64) / round_trips as f64;
        by_name.insert(
            name.clone(),
            Calls {
                calls: per(l_calls, s_calls),
                failed: per(l_failed, s_failed),
            },
        );
    }
    SyscallCount { by_name }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 50.00    0.000050           0       102        50 recvfrom
 30.00    0.000030           0        51           sendto
 20.00    0.000020           0        52           epoll_wait
  0.00    0.000000           0         1           accept4
------ ----------- ----------- --------- --------- ----------------
100.00    0.000100           0       206        50 total
";

    const LARGE: &str = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 50.00    0.000050           0       302       150 recvfrom
 30.00    0.000030           0       151           sendto
 20.00    0.000020           0       152           epoll_wait
  0.00    0.000000           0         1           accept4
------ ----------- ----------- --------- --------- ----------------
100.00    0.000100           0       606       150 total
";

    #[test]
    fn a_summary_parses_with_and_without_errors() {
        let totals = parse_summary(SMALL).unwrap();
        assert_eq!(totals["recvfrom"], (102, 50));
        assert_eq!(totals["sendto"], (51, 0));
        assert_eq!(totals.len(), 4);
        assert!(parse_summary("strace: exec: No such file or directory\n").is_err());
    }

    #[test]
    fn the_difference_of_two_runs_is_per_round_trip_and_grouped() {
        let count = per_round_trip(
            &parse_summary(SMALL).unwrap(),
            &parse_summary(LARGE).unwrap(),
            100,
        );
        assert_eq!(count.total(), 4.0);
        assert_eq!(count.failed(), 1.0);
        assert_eq!(count.group(Group::Read), 2.0);
        assert_eq!(count.group(Group::Write), 1.0);
        assert_eq!(count.group(Group::Wait), 1.0);
        assert_eq!(count.group(Group::Other), 0.0);
        assert_eq!(count.by_name["accept4"], Calls::default());
    }
}

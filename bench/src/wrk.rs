//! `wrk`, the outside HTTP load generator behind the capstone's HTTP
//! figures (chapter 21): finding it, running it pinned, reading its output.
//!
//! The echo figures use the bench's own load generator, because it checks
//! every echoed byte. HTTP has a standard one, and a load generator nobody
//! in this course wrote is the fairer judge of two servers this course
//! did write: `wrk` keeps N keep-alive connections busy, one request in
//! flight on each, and prints requests per second and a latency
//! distribution.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, anyhow, bail};

/// What the report says when `wrk` is missing.
pub const NOT_INSTALLED: &str = "not measured: wrk is not installed (sudo apt-get install -y wrk)";

/// Where `wrk` is on `PATH`, or why it cannot be used: the lookup `which`
/// does, without running anything.
pub fn find() -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("wrk"))
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| NOT_INSTALLED.to_owned())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// One `wrk` run: how hard, for how long, and where.
#[derive(Debug, Clone)]
pub struct WrkLoad {
    /// The `wrk` binary ([`find`]).
    pub wrk: PathBuf,
    /// The server.
    pub addr: SocketAddr,
    /// The path to `GET`.
    pub path: &'static str,
    /// Keep-alive connections (`-c`).
    pub connections: usize,
    /// Threads (`-t`); wrk wants at least one connection per thread.
    pub threads: usize,
    /// Whole seconds (`-d`): wrk takes no fractions.
    pub seconds: u32,
    /// The CPU to pin wrk to (all its threads), or `None` to let the
    /// scheduler place it.
    pub cpu: Option<usize>,
}

/// What one `wrk` run printed, parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WrkReport {
    /// Requests completed (`N requests in T`).
    pub requests: u64,
    /// The run's length as wrk measured it, in seconds.
    pub seconds: f64,
    /// `Requests/sec:`.
    pub per_second: f64,
    /// The 50% line of the latency distribution, in nanoseconds.
    pub p50_ns: f64,
    /// The 99% line of the latency distribution, in nanoseconds.
    pub p99_ns: f64,
    /// `Non-2xx or 3xx responses:` (0 when the line is absent).
    pub non_2xx: u64,
    /// `Socket errors:` connect, read, write and timeout, summed (0 when
    /// the line is absent).
    pub socket_errors: u64,
}

impl WrkReport {
    /// Answers that were errors or never came: what the report counts as
    /// this run's failures.
    pub fn failures(&self) -> u64 {
        self.non_2xx + self.socket_errors
    }
}

impl fmt::Display for WrkReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} requests in {:.2} s", self.requests, self.seconds)?;
        if self.non_2xx > 0 {
            write!(f, ", {} not 2xx or 3xx", self.non_2xx)?;
        }
        if self.socket_errors > 0 {
            write!(f, ", {} socket errors", self.socket_errors)?;
        }
        Ok(())
    }
}

/// Runs `load` to its end and parses what wrk printed. wrk inherits this
/// process's open-file limit (the harness raises its own first), which
/// 1,000 connections need.
pub fn run(load: &WrkLoad) -> anyhow::Result<WrkReport> {
    let mut command = Command::new(&load.wrk);
    command
        .arg(format!(
            "-t{}",
            load.threads.clamp(1, load.connections.max(1))
        ))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.seconds))
        .arg("--latency")
        .arg(format!("http://{}{}", load.addr, load.path))
        .stdin(Stdio::null());
    let mut start = || command.output().context("cannot run wrk");
    let output = match load.cpu {
        None => start()?,
        // Started from a pinned thread, wrk and all its threads stay on
        // that CPU.
        Some(cpu) => crate::pin::on_cpu(cpu, start)?,
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said = stderr
            .lines()
            .chain(stdout.lines())
            .find(|l| !l.trim().is_empty());
        bail!(
            "wrk failed ({}): {}",
            output.status,
            said.unwrap_or("no message")
        );
    }
    parse(&stdout)
}

/// Parses wrk's output (with `--latency`):
///
/// ```text
///   Latency Distribution
///      50%    2.96ms
///      99%   10.78ms
///   514 requests in 1.00s, 4.81MB read
///   Socket errors: connect 0, read 0, write 0, timeout 3
///   Non-2xx or 3xx responses: 5
/// Requests/sec:    511.55
/// ```
pub fn parse(text: &str) -> anyhow::Result<WrkReport> {
    let mut requests = None;
    let mut per_second = None;
    let (mut p50_ns, mut p99_ns) = (None, None);
    let (mut non_2xx, mut socket_errors) = (0, 0);
    for line in text.lines().map(str::trim) {
        let bad = || anyhow!("unexpected line in wrk's output: {line:?}");
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            per_second = Some(rest.trim().parse::<f64>().map_err(|_| bad())?);
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = rest.trim().parse().map_err(|_| bad())?;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // `connect 0, read 0, write 0, timeout 0`: every second word.
            for pair in rest.split(',') {
                let n = pair.split_whitespace().nth(1).ok_or_else(bad)?;
                socket_errors += n.parse::<u64>().map_err(|_| bad())?;
            }
        } else if let Some((count, rest)) = line.split_once(" requests in ") {
            let elapsed = rest.split(',').next().ok_or_else(bad)?;
            let seconds = duration_ns(elapsed).ok_or_else(bad)? / 1e9;
            requests = Some((count.parse::<u64>().map_err(|_| bad())?, seconds));
        } else if let Some(latency) = line.strip_prefix("50%") {
            p50_ns = Some(duration_ns(latency.trim()).ok_or_else(bad)?);
        } else if let Some(latency) = line.strip_prefix("99%") {
            p99_ns = Some(duration_ns(latency.trim()).ok_or_else(bad)?);
        }
    }
    let missing = |what: &str| anyhow!("wrk printed no {what}: {:?}", text.trim());
    let (requests, seconds) = requests.ok_or_else(|| missing("`N requests in T` line"))?;
    Ok(WrkReport {
        requests,
        seconds,
        per_second: per_second.ok_or_else(|| missing("Requests/sec line"))?,
        p50_ns: p50_ns.ok_or_else(|| missing("50% latency (was --latency given?)"))?,
        p99_ns: p99_ns.ok_or_else(|| missing("99% latency (was --latency given?)"))?,
        non_2xx,
        socket_errors,
    })
}

/// wrk's way of writing a duration (`812.00us`, `2.96ms`, `1.00s`,
/// `1.50m`) in nanoseconds.
fn duration_ns(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let scale = match unit {
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3_600e9,
        _ => return None,
    };
    Some(number.parse::<f64>().ok()? * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
Running 2s test @ http://127.0.0.1:40000/
  2 threads and 100 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.00us    2.22ms  17.14ms   74.68%
    Req/Sec    61.20k     3.74k   69.00k    50.00%
  Latency Distribution
     50%  760.00us
     75%    1.36ms
     90%    6.80ms
     99%   10.78ms
  243100 requests in 2.00s, 30.37MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec: 121550.25
Transfer/sec:     15.19MB
";

    #[test]
    fn the_figures_and_the_failures_are_read() {
        let report = parse(OUTPUT).unwrap();
        assert_eq!(report.requests, 243_100);
        assert_eq!(report.seconds, 2.0);
        assert_eq!(report.per_second, 121_550.25);
        assert_eq!(report.p50_ns, 760_000.0);
        assert_eq!(report.p99_ns, 10_780_000.0);
        assert_eq!((report.non_2xx, report.socket_errors), (7, 5));
        assert_eq!(report.failures(), 12);
    }

    #[test]
    fn a_clean_run_has_no_failures_and_odd_output_is_an_error() {
        let clean: String = OUTPUT
            .lines()
            .filter(|l| !l.contains("errors") && !l.contains("Non-2xx"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(parse(&clean).unwrap().failures(), 0);
        let no_latency: String = clean.replace("99%", "98%");
        assert!(parse(&no_latency).unwrap_err().to_string().contains("99%"));
        assert!(parse("unable to connect to 127.0.0.1:1 Connection refused").is_err());
        assert!(parse(&OUTPUT.replace("121550.25", "lots")).is_err());
        assert_eq!(duration_ns("1.50m"), Some(90e9));
        assert_eq!(duration_ns("3.2xs"), None);
    }
}

//! The C10K benchmark: what threads, select, poll, epoll and an event loop
//! cost as connections grow, and how close ghetto-loop gets to tokio.
//!
//! Not a chapter: this crate measures the course. `make bench` runs
//! [`suite::Suite::default_suite`]; `make bench-quick` the quick one. The
//! pieces, in the order a run uses them:
//!
//! * [`servers`]: the registry of servers under test (one line each);
//!   [`tokio_echo`] is the production peer.
//! * [`server_process`]: a server as a child process, pinned to a CPU.
//! * [`load`]: the load generator (closed-loop echo, idle connections, or
//!   both: a few busy among many idle),
//!   with its [`failures`] counted, never hidden, and the [`cpu_time`] both
//!   sides used.
//! * [`selector_wait`]: the cost of one selector wait against idle fds.
//! * [`syscalls`]: system calls per round trip, counted by strace.
//! * [`counts`]: instructions (callgrind) and system calls per operation,
//!   ghetto-loop against tokio: `make bench-counts`; [`wakes`] holds its
//!   wake-up workloads, [`counts_table`] its table and the comparison with
//!   the run before.
//! * [`tasks`]: the cost of spawning, joining and parking a task, on
//!   ghetto-loop and on tokio; [`timers`]: how late a timer fires and what
//!   one costs; [`sync`]: mutex hand-offs and channel messages per second.
//!   Each runtime in a fresh [`child`] process.
//! * [`http`]: chapter 21's HTTP server on both runtimes under [`wrk`],
//!   on one loop and on every core; [`fetch`]: its fetcher on both;
//!   [`http_syscalls`]: the server's system calls per request;
//!   [`http_report`]: their sections of the report.
//! * [`harness`]: runs every cell with progress on stderr into [`results`].
//! * [`report`], [`plots`] (drawn with [`svg`]) and [`csv`]: the output.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

#[cfg(not(target_os = "linux"))]
compile_error!(
    "the benchmark measures Linux system calls (epoll, sched_setaffinity, /proc) and builds only on Linux"
);

pub mod child;
pub mod cli;
pub mod counts;
pub mod counts_table;
pub mod cpu_time;
pub mod csv;
pub mod failures;
pub mod fetch;
pub mod harness;
pub mod http;
pub mod http_report;
pub mod http_syscalls;
pub mod load;
pub mod machine;
pub mod pin;
pub mod plots;
pub mod report;
pub mod results;
pub mod selector_wait;
pub mod server_process;
pub mod servers;
pub mod soak;
pub mod soak_http;
pub mod stats;
pub mod suite;
pub mod svg;
pub mod sync;
pub mod syscalls;
pub mod tasks;
pub mod timers;
pub mod tokio_echo;
pub mod units;
pub mod wakes;
pub mod wrk;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::results::Results;

/// Where the report goes by default: `target/bench/` in the workspace.
pub fn default_out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("target")
        .join("bench")
}

/// This very binary, to run again as a child: `/proc/PID/exe` names the
/// file this process runs even after a rebuild has replaced it on disk, so
/// the children of a run always run the same code as the run itself.
pub fn this_binary() -> PathBuf {
    PathBuf::from(format!("/proc/{}/exe", std::process::id()))
}

/// The files a run writes into its output directory, besides `logs/`.
pub const OUTPUTS: [&str; 6] = [
    "report.md",
    "throughput.svg",
    "busy-idle.svg",
    "memory.svg",
    "selector-wait.svg",
    "results.csv",
];

/// Writes the report, the four plots and the CSV into `out`.
pub fn write_outputs(results: &Results, out: &Path) -> anyhow::Result<()> {
    let files = [
        ("report.md", report::render(results, &out.join("logs"))),
        ("throughput.svg", plots::throughput(results).render()),
        ("busy-idle.svg", plots::busy_among_idle(results).render()),
        ("memory.svg", plots::memory(results).render()),
        ("selector-wait.svg", plots::selector_wait(results).render()),
        ("results.csv", csv::render(results)),
    ];
    for (name, text) in files {
        let path = out.join(name);
        fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

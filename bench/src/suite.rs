//! What a run measures: the default suite, the quick one, and overrides.

use std::time::Duration;

use crate::child::Runtime;
use crate::pin::Pinning;
use crate::servers::{self, SERVERS, Server, Threads};
use crate::sync::SyncPlan;
use crate::syscalls::Pacing;
use crate::tasks::TaskPlan;
use crate::timers::{Series, TimerPlan};

/// Everything that decides what a run measures and how long it takes.
#[derive(Debug, Clone)]
pub struct Suite {
    /// `"default"` or `"quick"`.
    pub name: &'static str,
    /// The servers, the tokio peer first (every ratio needs it).
    pub servers: Vec<&'static Server>,
    /// The pinning modes to run the echo cells in.
    pub pinnings: Vec<Pinning>,
    /// Connection counts of the echo cells.
    pub echo_connections: Vec<usize>,
    /// Connection counts of the idle-memory cells.
    pub idle_connections: Vec<usize>,
    /// Busy connections of the few-busy-among-idle cells: they echo like
    /// the echo cells while the idle ones sit beside them.
    pub busy_connections: usize,
    /// Idle connections held open beside the busy ones, one count per cell.
    pub busy_idle: Vec<usize>,
    /// The pinning modes to run the few-busy-among-idle cells in.
    pub busy_pinnings: Vec<Pinning>,
    /// Idle fd counts of the selector-wait cells.
    pub wait_fds: Vec<usize>,
    /// Runs of every echo and memory cell.
    pub runs: usize,
    /// Bytes per echo message.
    pub message: usize,
    /// Echo time before the counted window, per run.
    pub warmup: Duration,
    /// The counted window, per run.
    pub measure: Duration,
    /// Timed batches per selector-wait cell.
    pub wait_batches: usize,
    /// Waits per timed batch.
    pub waits_per_batch: usize,
    /// Round trips of the two traced runs whose difference gives the
    /// system calls per round trip.
    pub syscall_round_trips: (usize, usize),
    /// The client's pause after each echo in the paced syscall count.
    pub syscall_pause: Duration,
    /// The task figures' size; each runtime is measured `runs` times.
    pub tasks: TaskPlan,
    /// The timer figures' size; each runtime is measured `runs` times.
    pub timers: TimerPlan,
    /// The sync figures' size; each runtime is measured `runs` times.
    pub sync: SyncPlan,
    /// How the report gets `make bench-counts`'s table.
    pub counts: CountsInReport,
    /// Chapter 21's HTTP cells (wrk, the fetcher, syscalls per request);
    /// each wrk and fetcher cell is run `runs` times.
    pub http: crate::http::HttpPlan,
}

/// How a run's report gets the counts per operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountsInReport {
    /// The table `make bench-counts` left, if this same build wrote it;
    /// otherwise counted afresh (~3 min).
    ReuseOrCount,
    /// That table if this same build wrote it; otherwise the report says
    /// how to get one.
    ReuseOnly,
}

/// The server the quick suite measures beside tokio, when it exists: the
/// chapter whose backend every later chapter runs on by default.
const QUICK_PEER: &str = "ch06-epoll";

impl Suite {
    /// The full benchmark behind `make bench`: every server, both pinnings,
    /// three runs per cell. Fits in about twelve minutes on two cores.
    pub fn default_suite() -> Suite {
        Suite {
            name: "default",
            servers: SERVERS.iter().collect(),
            pinnings: Pinning::ALL.to_vec(),
            echo_connections: vec![1, 100, 1_000],
            idle_connections: vec![1_000, 10_000],
            busy_connections: 10,
            busy_idle: vec![0, 1_000, 5_000],
            // Shared only: it is the mode where every cycle a server spends
            // on its idle fds is one the busy ones do not get. Split would
            // double the figure's minutes for the same story.
            busy_pinnings: vec![Pinning::Shared],
            wait_fds: vec![10, 100, 1_000, 10_000],
            runs: 3,
            message: 64,
            warmup: Duration::from_millis(500),
            measure: Duration::from_secs(1),
            wait_batches: 40,
            waits_per_batch: 50,
            // Counts do not move between runs: one count of each is enough.
            syscall_round_trips: (500, 2_500),
            // Under strace the server needs ~0.1 ms to go back to waiting
            // after an echo; 0.5 ms leaves it room on a busy machine.
            syscall_pause: Duration::from_micros(500),
            tasks: TaskPlan::default(),
            timers: TimerPlan::default(),
            sync: SyncPlan::default(),
            counts: CountsInReport::ReuseOrCount,
            http: crate::http::HttpPlan::default_plan(),
        }
    }

    /// `make bench-quick` and the harness's test: the same code on a tiny
    /// subset, in seconds. It proves the harness works; its figures are too
    /// short to mean much.
    pub fn quick() -> Suite {
        let peer =
            servers::find(QUICK_PEER).or_else(|| SERVERS.iter().find(|s| s.name != servers::TOKIO));
        let tokio = servers::find(servers::TOKIO).expect("the tokio peer is always registered");
        Suite {
            name: "quick",
            servers: std::iter::once(tokio).chain(peer).collect(),
            pinnings: vec![Pinning::Split],
            echo_connections: vec![1, 10],
            idle_connections: vec![100],
            busy_connections: 2,
            busy_idle: vec![0, 50],
            // The one mode the quick suite runs: it proves the code path.
            busy_pinnings: vec![Pinning::Split],
            wait_fds: vec![10, 100],
            runs: 1,
            message: 64,
            warmup: Duration::from_millis(100),
            measure: Duration::from_millis(400),
            wait_batches: 5,
            waits_per_batch: 10,
            syscall_round_trips: (50, 150),
            syscall_pause: Duration::from_micros(500),
            tasks: TaskPlan {
                tasks: 10_000,
                batches: 2,
            },
            timers: TimerPlan {
                series: [(1_000, 20), (1_500, 20), (10_000, 5)]
                    .map(|(micros, count)| Series {
                        sleep: Duration::from_micros(micros),
                        count,
                    })
                    .to_vec(),
                load_connections: 2,
                load_cpu: None,
                crowd: 2_000,
                spread: Duration::from_millis(100),
            },
            sync: SyncPlan {
                tasks: 4,
                locks: 1_000,
                messages: 10_000,
                capacity: 64,
            },
            // The counts have a quick test of their own (`bench counts
            // --quick`); counting here would triple this suite's time.
            counts: CountsInReport::ReuseOnly,
            http: crate::http::HttpPlan::quick(),
        }
    }

    /// The suite called `name`, if there is one.
    pub fn named(name: &str) -> Option<Suite> {
        match name {
            "default" => Some(Suite::default_suite()),
            "quick" => Some(Suite::quick()),
            _ => None,
        }
    }

    /// Keeps only the servers named in `names` (tokio stays: it is the
    /// baseline). Errors with the known names if one is unknown.
    pub fn only_servers(&mut self, names: &[String]) -> Result<(), String> {
        for name in names {
            if servers::find(name).is_none() {
                let known: Vec<&str> = SERVERS.iter().map(|s| s.name).collect();
                return Err(format!(
                    "unknown server {name:?}; known: {}",
                    known.join(", ")
                ));
            }
        }
        self.servers = SERVERS
            .iter()
            .filter(|s| s.name == servers::TOKIO || names.iter().any(|n| n == s.name))
            .collect();
        Ok(())
    }

    /// Echo cells (every server, pinning, connection count and run).
    pub fn echo_cells(&self) -> usize {
        self.servers.len() * self.pinnings.len() * self.echo_connections.len() * self.runs
    }

    /// Memory cells (every server, idle count and run).
    pub fn memory_cells(&self) -> usize {
        self.servers.len() * self.idle_connections.len() * self.runs
    }

    /// Few-busy-among-idle cells (every server, pinning, idle count and
    /// run).
    pub fn busy_cells(&self) -> usize {
        self.servers.len() * self.busy_pinnings.len() * self.busy_idle.len() * self.runs
    }

    /// Selector-wait cells (every backend and fd count).
    pub fn wait_cells(&self) -> usize {
        ghetto_loop::sys::SelectorKind::ALL.len() * self.wait_fds.len()
    }

    /// The servers whose system calls are counted: the one-thread ones
    /// (with a thread per connection, the count would be the same two calls
    /// and say nothing of what the threads cost).
    pub fn syscall_servers(&self) -> Vec<&'static Server> {
        self.servers
            .iter()
            .copied()
            .filter(|s| s.threads == Threads::One)
            .collect()
    }

    /// Syscall cells (every one-thread server, both pacings, their runs).
    pub fn syscall_cells(&self) -> usize {
        let runs: usize = Pacing::ALL.iter().map(|p| p.runs(self.runs)).sum();
        self.syscall_servers().len() * runs
    }

    /// Cells of one runtime figure (tasks, timers, sync): both runtimes,
    /// every run.
    pub fn runtime_cells(&self) -> usize {
        Runtime::ALL.len() * self.runs
    }

    /// A rough forecast of the run time, for the first progress line.
    pub fn estimate(&self) -> Duration {
        // Per echo cell: warm-up, window, and about 0.2 s to start the
        // server and open the connections. Per memory cell about 1 s on
        // average (the thread-per-connection server at 10,000 takes 15).
        // A busy-among-idle cell is an echo cell plus opening its idle
        // connections, about 0.2 s per thousand.
        let per_echo = self.warmup + self.measure + Duration::from_millis(200);
        let echo = per_echo * self.echo_cells() as u32;
        let memory = Duration::from_secs(1) * self.memory_cells() as u32;
        let idle: usize = self.busy_idle.iter().sum();
        let busy = per_echo * self.busy_cells() as u32
            + Duration::from_millis(200)
                * (idle * self.busy_cells() / self.busy_idle.len().max(1)).div_ceil(1_000) as u32;
        // A syscall cell is two traced servers (about 0.1 s each to start
        // under strace) and their round trips, about 0.15 ms each under
        // strace, plus the pause in the paced cells. A task child takes
        // about 0.3 s for 100,000 tasks.
        let (small, large) = self.syscall_round_trips;
        let round_trips = (small + large) as u32;
        let per_cell = Duration::from_millis(200) + Duration::from_micros(150) * round_trips;
        let paced_cells = self.syscall_servers().len() * Pacing::Paced.runs(self.runs);
        let syscalls = per_cell * self.syscall_cells() as u32
            + self.syscall_pause * round_trips * paced_cells as u32;
        let tasks = Duration::from_millis(100 + self.tasks.tasks as u64 / 500)
            * self.runtime_cells() as u32;
        // A timer child sleeps its series twice (idle, loaded), tokio about
        // 1 ms late per sleep, then the crowd's spread and its lead; a sync
        // child about 0.4 µs per lock and 0.1 µs per message, 1.1 times
        // for the warm-up.
        let sleeps: Duration = self
            .timers
            .series
            .iter()
            .map(|s| (s.sleep + Duration::from_micros(500)) * s.count as u32)
            .sum();
        let crowd = self.timers.spread + self.timers.crowd_lead();
        let per_timer_child = sleeps * 2 + crowd + Duration::from_millis(400);
        let timers = per_timer_child * self.runtime_cells() as u32;
        let ns = (2 * self.sync.tasks * self.sync.locks * 400 + self.sync.messages * 100) as u64;
        let per_sync_child = Duration::from_nanos(ns * 11 / 10) + Duration::from_millis(50);
        let sync = per_sync_child * self.runtime_cells() as u32;
        let http = self.http.estimate(self.runs);
        echo + memory + busy + syscalls + tasks + timers + sync + http + Duration::from_secs(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_start_with_tokio_and_quick_is_quick() {
        for suite in [Suite::default_suite(), Suite::quick()] {
            assert_eq!(suite.servers[0].name, servers::TOKIO);
        }
        assert!(Suite::quick().estimate() < Duration::from_secs(25));
        assert!(Suite::default_suite().estimate() < Duration::from_secs(13 * 60));
        assert!(Suite::quick().timers.series.len() == Suite::default_suite().timers.series.len());
        assert!(Suite::named("nope").is_none());
    }

    #[test]
    fn filtering_keeps_tokio_and_rejects_unknown_names() {
        let mut suite = Suite::default_suite();
        suite.only_servers(&[]).unwrap();
        assert_eq!(suite.servers.len(), 1);
        let err = suite
            .only_servers(&["ch99-nothing".to_owned()])
            .unwrap_err();
        assert!(err.contains("known: tokio"), "{err}");
    }
}

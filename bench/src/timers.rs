//! How late a timer fires, and what a timer costs, on ghetto-loop
//! (chapter 16) and on tokio's current-thread runtime.
//!
//! Each runtime is measured in a fresh child process of its own (`bench
//! timers NAME`, see [`crate::child`]), written the same way on both:
//!
//! * **Lateness**: one task sleeps until a deadline `d` after now, again and
//!   again, for each series of the plan (1,000 sleeps of 1 ms, 1,000 of
//!   1.5 ms, 200 of 10 ms, one after another). Lateness is how long after
//!   its deadline the task ran again; a task that ran *before* its deadline
//!   is counted as an early wake, a failure, never as a negative lateness.
//!   Sleeps of a whole number of milliseconds hide a millisecond-rounding
//!   wait, so the 1.5 ms series is there to show it.
//! * **Lateness under load**: the same series on a fresh runtime that also
//!   serves echo connections meanwhile: an echo server on the same loop
//!   (tokio's is [`tokio_echo`](crate::tokio_echo)'s, ghetto-loop's chapter
//!   15's shared-buffer echo, written the same way) and the harness's load
//!   generator on a thread of this process pinned to the other CPU, the
//!   connections in a closed loop until the sleeps are done.
//! * **A crowd of timers**: N tasks, each sleeping until its own deadline,
//!   the deadlines spread evenly over a second. The RSS they add while all
//!   sleep, over N (a fresh runtime, so the heap grows for them); and the
//!   thread's CPU time from the first spawn to the last join, over N, once
//!   for these tasks and once for the same tasks yielding once instead of
//!   sleeping: the difference is what the timer costs, inserted and fired.
//!   CPU time, not wall time, because the wall time is the spread.
//!
//! ghetto-loop asks the kernel for 1 ns of timer slack on its thread and
//! waits with `epoll_pwait2` (nanoseconds); tokio keeps the default 50 µs
//! slack and its wheel counts whole milliseconds. Each is measured as it
//! ships.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use crate::child::{self, Figures, Line, Plan, Runtime};
use crate::cli::number;
use crate::load::{self, EchoLoad};
use crate::stats::{Spread, percentile};

/// How long a child may take for every figure.
const CHILD_LIMIT: Duration = Duration::from_secs(180);

/// Time the load runs before the loaded sleeps start, to open its
/// connections and get going.
pub const LOAD_WARMUP: Duration = Duration::from_millis(100);

/// The load's counted window if nothing stops it: far longer than any
/// series; the load stops when the sleeps are done.
const LOAD_LIMIT: Duration = Duration::from_secs(600);

/// Bytes per echo message of the load, as in the echo figure.
pub const LOAD_MESSAGE: usize = 64;

/// The crowd's first deadline is this share of the spread after the start,
/// so that every task has inserted its timer before the first one is due
/// (spawning 100,000 takes tens of milliseconds, more on a busy machine).
const CROWD_LEAD: u32 = 4;

/// One series of sleeps of the same length, one after another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    /// How long each sleep is.
    pub sleep: Duration,
    /// How many.
    pub count: usize,
}

/// What the timer figures measure, and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerPlan {
    /// The lateness series, in order; the loaded figure repeats them.
    pub series: Vec<Series>,
    /// Echo connections the loop serves during the loaded series.
    pub load_connections: usize,
    /// The CPU of the load's thread; `None`: the CPU the child runs on.
    pub load_cpu: Option<usize>,
    /// Tasks sleeping at once in the crowd figure.
    pub crowd: usize,
    /// The crowd's deadlines are spread evenly over this much time.
    pub spread: Duration,
}

impl Default for TimerPlan {
    fn default() -> TimerPlan {
        let series = |micros, count| Series {
            sleep: Duration::from_micros(micros),
            count,
        };
        TimerPlan {
            series: vec![
                series(1_000, 1_000),
                series(1_500, 1_000),
                series(10_000, 200),
            ],
            load_connections: 10,
            load_cpu: None,
            crowd: 100_000,
            spread: Duration::from_secs(1),
        }
    }
}

impl TimerPlan {
    /// How long after the crowd's start its first deadline is.
    pub fn crowd_lead(&self) -> Duration {
        self.spread / CROWD_LEAD
    }
}

impl Plan for TimerPlan {
    const COMMAND: &'static str = "timers";

    fn to_args(&self) -> Vec<String> {
        let series: Vec<String> = self
            .series
            .iter()
            .map(|s| format!("{}:{}", s.sleep.as_micros(), s.count))
            .collect();
        let mut args = vec![
            "--series".to_owned(),
            series.join(","),
            "--load-connections".to_owned(),
            self.load_connections.to_string(),
            "--crowd".to_owned(),
            self.crowd.to_string(),
            "--spread-ms".to_owned(),
            self.spread.as_millis().to_string(),
        ];
        if let Some(cpu) = self.load_cpu {
            args.extend(["--load-cpu".to_owned(), cpu.to_string()]);
        }
        args
    }

    fn set(&mut self, flag: &str, value: &str) -> Result<(), String> {
        match flag {
            "--series" => {
                self.series = value
                    .split(',')
                    .map(|s| {
                        let (micros, count) = s.split_once(':').ok_or_else(|| {
                            format!("--series needs MICROS:COUNT,..., not {value:?}")
                        })?;
                        Ok(Series {
                            sleep: Duration::from_micros(number(flag, micros)?),
                            count: number(flag, count)?,
                        })
                    })
                    .collect::<Result<_, String>>()?;
            }
            "--load-connections" => self.load_connections = number(flag, value)?,
            "--load-cpu" => self.load_cpu = Some(number(flag, value)?),
            "--crowd" => self.crowd = number(flag, value)?,
            "--spread-ms" => self.spread = Duration::from_millis(number(flag, value)?),
            _ => {
                return Err(format!(
                    "timers takes --series, --load-connections, --load-cpu, --crowd and \
                     --spread-ms, not {flag}"
                ));
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        let empty = self.series.is_empty()
            || self
                .series
                .iter()
                .any(|s| s.count == 0 || s.sleep.is_zero());
        if empty || self.load_connections == 0 || self.crowd == 0 || self.spread.is_zero() {
            return Err(
                "every series needs a sleep and a count, and --load-connections, --crowd and \
                 --spread-ms must be at least 1"
                    .to_owned(),
            );
        }
        Ok(())
    }
}

/// How late one series of sleeps woke, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lateness {
    /// Median lateness.
    pub p50_ns: f64,
    /// 99th percentile (nearest rank).
    pub p99_ns: f64,
    /// The latest wake.
    pub max_ns: f64,
    /// Wakes before the deadline: failures, not in the percentiles.
    pub early: f64,
}

/// What the crowd of sleeping tasks cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crowd {
    /// CPU time per sleeping task, spawn to join.
    pub sleeping_task_ns: f64,
    /// CPU time per task that yields once instead, spawn to join.
    pub yielding_task_ns: f64,
    /// RSS bytes each sleeping task added.
    pub sleeping_task_bytes: f64,
    /// Sleeping tasks that woke before their deadline: failures.
    pub early: f64,
}

impl Crowd {
    /// What the timer itself costs: a sleeping task's CPU time less a
    /// yielding one's (insert, fire, and the waker it keeps).
    pub fn timer_ns(&self) -> f64 {
        self.sleeping_task_ns - self.yielding_task_ns
    }
}

/// One child's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerFigures {
    /// Lateness on an idle loop, one per series of the plan.
    pub idle: Vec<Lateness>,
    /// Lateness while the loop serves the echo load, one per series.
    pub loaded: Vec<Lateness>,
    /// Round trips per second the loop served during the loaded series.
    pub load_rate: f64,
    /// Share of one CPU others used on the loop's CPU during the idle
    /// series: the noise.
    pub idle_others: f64,
    /// The same on the loop's and the load's CPUs during the loaded series.
    pub loaded_others: f64,
    /// The crowd of sleeping tasks.
    pub crowd: Crowd,
}

impl Figures for TimerFigures {
    fn to_line(&self) -> Line {
        let mut line = Line::default();
        for (kind, series) in [("idle", &self.idle), ("loaded", &self.loaded)] {
            for (i, late) in series.iter().enumerate() {
                line.push(format!("{kind}{i}_p50_ns"), late.p50_ns);
                line.push(format!("{kind}{i}_p99_ns"), late.p99_ns);
                line.push(format!("{kind}{i}_max_ns"), late.max_ns);
                line.push(format!("{kind}{i}_early"), late.early);
            }
        }
        line.push("load_rate", self.load_rate);
        line.push("idle_others", self.idle_others);
        line.push("loaded_others", self.loaded_others);
        line.push("sleeping_task_ns", self.crowd.sleeping_task_ns);
        line.push("yielding_task_ns", self.crowd.yielding_task_ns);
        line.push("sleeping_task_bytes", self.crowd.sleeping_task_bytes);
        line.push("crowd_early", self.crowd.early);
        line
    }

    fn from_line(line: &Line) -> Option<TimerFigures> {
        let series = |kind: &str| -> Vec<Lateness> {
            (0..)
                .map_while(|i| {
                    Some(Lateness {
                        p50_ns: line.get(&format!("{kind}{i}_p50_ns"))?,
                        p99_ns: line.get(&format!("{kind}{i}_p99_ns"))?,
                        max_ns: line.get(&format!("{kind}{i}_max_ns"))?,
                        early: line.get(&format!("{kind}{i}_early"))?,
                    })
                })
                .collect()
        };
        let (idle, loaded) = (series("idle"), series("loaded"));
        if idle.is_empty() || idle.len() != loaded.len() {
            return None;
        }
        Some(TimerFigures {
            idle,
            loaded,
            load_rate: line.get("load_rate")?,
            idle_others: line.get("idle_others")?,
            loaded_others: line.get("loaded_others")?,
            crowd: Crowd {
                sleeping_task_ns: line.get("sleeping_task_ns")?,
                yielding_task_ns: line.get("yielding_task_ns")?,
                sleeping_task_bytes: line.get("sleeping_task_bytes")?,
                early: line.get("crowd_early")?,
            },
        })
    }
}

/// One series' lateness over the runs of a cell.
#[derive(Debug, Clone, Copy)]
pub struct LatenessSummary {
    /// p50 over runs.
    pub p50: Spread,
    /// p99 over runs.
    pub p99: Spread,
    /// The latest wake over runs.
    pub max: Spread,
    /// Early wakes, summed over runs.
    pub early: f64,
}

/// A runtime's timer figures over its runs.
#[derive(Debug, Clone)]
pub struct TimerSummary {
    /// Per series, idle.
    pub idle: Vec<LatenessSummary>,
    /// Per series, under load.
    pub loaded: Vec<LatenessSummary>,
    /// The load's round trips per second.
    pub load_rate: Spread,
    /// Others' share of the loop's CPU during the idle series.
    pub idle_others: Spread,
    /// Others' share of the loop's and the load's CPUs during the loaded
    /// series.
    pub loaded_others: Spread,
    /// CPU time per timer (a sleeping task's less a yielding one's).
    pub timer_ns: Spread,
    /// CPU time per sleeping task, spawn to join.
    pub sleeping_task_ns: Spread,
    /// RSS bytes per sleeping task.
    pub sleeping_task_bytes: Spread,
    /// Early wakes in the crowd, summed over runs.
    pub crowd_early: f64,
}

impl TimerSummary {
    /// The summary of the runs that measured; `None` if there are none, or
    /// they measured different series.
    pub fn of(runs: &[&TimerFigures]) -> Option<TimerSummary> {
        let spread = |pick: &dyn Fn(&TimerFigures) -> f64| {
            Spread::range(&runs.iter().map(|f| pick(f)).collect::<Vec<_>>())
        };
        let lateness = |loaded: bool| -> Option<Vec<LatenessSummary>> {
            let count = runs.first()?.idle.len();
            let pick = move |f: &TimerFigures, i: usize| {
                if loaded { f.loaded[i] } else { f.idle[i] }
            };
            if runs.iter().any(|f| f.idle.len() != count) {
                return None;
            }
            (0..count)
                .map(|i| {
                    Some(LatenessSummary {
                        p50: spread(&|f| pick(f, i).p50_ns)?,
                        p99: spread(&|f| pick(f, i).p99_ns)?,
                        max: spread(&|f| pick(f, i).max_ns)?,
                        early: runs.iter().map(|f| pick(f, i).early).sum(),
                    })
                })
                .collect()
        };
        Some(TimerSummary {
            idle: lateness(false)?,
            loaded: lateness(true)?,
            load_rate: spread(&|f| f.load_rate)?,
            idle_others: spread(&|f| f.idle_others)?,
            loaded_others: spread(&|f| f.loaded_others)?,
            timer_ns: spread(&|f| f.crowd.timer_ns())?,
            sleeping_task_ns: spread(&|f| f.crowd.sleeping_task_ns)?,
            sleeping_task_bytes: spread(&|f| f.crowd.sleeping_task_bytes)?,
            crowd_early: runs.iter().map(|f| f.crowd.early).sum(),
        })
    }

    /// Early wakes anywhere: each one is a failure.
    pub fn early(&self) -> f64 {
        let series: f64 = self.idle.iter().chain(&self.loaded).map(|l| l.early).sum();
        series + self.crowd_early
    }
}

/// Runs `bench timers NAME` on `place`'s CPUs (the loop on the server's,
/// the load on the client's) and returns what it printed.
pub fn measure(
    runtime: Runtime,
    plan: &TimerPlan,
    place: crate::pin::Placement,
) -> anyhow::Result<TimerFigures> {
    let plan = TimerPlan {
        load_cpu: Some(place.client),
        ..plan.clone()
    };
    child::measure(runtime, &plan, place.server, CHILD_LIMIT)
}

/// The child side: every figure for `runtime`, each on a fresh runtime of
/// its own. The crowd's RSS comes first, while the heap has not grown yet;
/// the crowd's CPU time after it, on a heap that has.
pub fn measure_here(runtime: Runtime, plan: &TimerPlan) -> anyhow::Result<TimerFigures> {
    let load_cpu = match plan.load_cpu {
        Some(cpu) => cpu,
        None => *crate::pin::allowed_cpus()?
            .first()
            .context("this process may run on no CPU")?,
    };
    // Pinned, the child may run on its loop's CPU alone.
    let loop_cpus = crate::pin::allowed_cpus()?;
    let loaded_cpus = [&loop_cpus[..], &[load_cpu]].concat();
    // A yielding crowd task's "deadline": long past, so it never counts as
    // early, and it reads the clock as a sleeping one does.
    let past = Instant::now();
    let early_before = EARLY.load(Ordering::Relaxed);
    let (bytes, yielding_ns, sleeping_ns, idle, loaded) = match runtime {
        Runtime::Tokio => {
            use tokio::task::{spawn, yield_now};
            let sleep = |deadline: Instant| tokio::time::sleep_until(deadline.into());
            let sleeping = |d: Instant| wake_after(sleep(d), d);
            let yielding = |_: Instant| wake_after(yield_now(), past);
            let detach = |task| drop(spawn(task));
            let rt = Runtime::tokio;
            (
                rt()?.block_on(crowd_bytes(plan, sleeping, detach, yield_now))?,
                rt()?.block_on(crowd_cpu_ns(plan, yielding, spawn))?,
                rt()?.block_on(crowd_cpu_ns(plan, sleeping, spawn))?,
                with_noise(&loop_cpus, || {
                    Ok(rt()?.block_on(lateness(&plan.series, sleep)))
                })?,
                with_noise(&loaded_cpus, || {
                    rt()?.block_on(async {
                        let listener = tokio::net::TcpListener::bind(LOCALHOST).await?;
                        let addr = listener.local_addr()?;
                        spawn(crate::tokio_echo::serve_on(listener));
                        under_load(addr, plan, load_cpu, sleep).await
                    })
                })?,
            )
        }
        Runtime::GhettoLoop => {
            use ghetto_loop::run;
            use ghetto_loop::task::{spawn, yield_now};
            let sleep = ghetto_loop::time::sleep_until;
            let sleeping = |d: Instant| wake_after(sleep(d), d);
            let yielding = |_: Instant| wake_after(yield_now(), past);
            let detach = |task| drop(spawn(task));
            (
                run(crowd_bytes(plan, sleeping, detach, yield_now))??,
                run(crowd_cpu_ns(plan, yielding, spawn))??,
                run(crowd_cpu_ns(plan, sleeping, spawn))??,
                with_noise(&loop_cpus, || Ok(run(lateness(&plan.series, sleep))?))?,
                with_noise(&loaded_cpus, || {
                    run(async {
                        let listener = ghetto_loop::net::TcpListener::bind(LOCALHOST).await?;
                        let addr = listener.local_addr()?;
                        drop(spawn(ghetto_echo(listener)));
                        under_load(addr, plan, load_cpu, sleep).await
                    })?
                })?,
            )
        }
    };
    let ((idle, idle_others), ((loaded, load_rate), loaded_others)) = (idle, loaded);
    Ok(TimerFigures {
        idle,
        loaded,
        load_rate,
        idle_others,
        loaded_others,
        crowd: Crowd {
            sleeping_task_ns: sleeping_ns,
            yielding_task_ns: yielding_ns,
            sleeping_task_bytes: bytes,
            early: (EARLY.load(Ordering::Relaxed) - early_before) as f64,
        },
    })
}

/// Runs `work`, and says what share of one CPU others used on `cpus`
/// meanwhile (see [`Busy`](crate::cpu_time::Busy)).
fn with_noise<T>(
    cpus: &[usize],
    work: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<(T, f64)> {
    use crate::cpu_time::Busy;
    let pid = std::process::id();
    let before = Busy::read(cpus, pid)?;
    let out = work()?;
    Ok((out, before.others_until(&Busy::read(cpus, pid)?)))
}

/// Where the loaded figure's echo server listens.
const LOCALHOST: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    0,
));

/// Each series of `series` in turn: sleeps until `now + sleep`, `count`
/// times, and how late each wake was.
async fn lateness<S: Future<Output = ()>>(
    series: &[Series],
    sleep_until: impl Fn(Instant) -> S,
) -> Vec<Lateness> {
    let mut figures = Vec::with_capacity(series.len());
    for s in series {
        let mut late = Vec::with_capacity(s.count);
        let mut early = 0;
        for _ in 0..s.count {
            let deadline = Instant::now() + s.sleep;
            sleep_until(deadline).await;
            match Instant::now().checked_duration_since(deadline) {
                Some(after) => late.push(u64::try_from(after.as_nanos()).unwrap_or(u64::MAX)),
                None => early += 1,
            }
        }
        late.sort_unstable();
        let at = |p| percentile(&late, p).map_or(f64::NAN, |ns| ns as f64);
        figures.push(Lateness {
            p50_ns: at(50.0),
            p99_ns: at(99.0),
            max_ns: at(100.0),
            early: early as f64,
        });
    }
    figures
}

/// [`lateness`] while the loop also serves the echo server listening on
/// `addr`, loaded by the harness's load generator on a thread pinned to
/// `load_cpu`; and the round trips per second it served meanwhile.
async fn under_load<S: Future<Output = ()>>(
    addr: SocketAddr,
    plan: &TimerPlan,
    load_cpu: usize,
    sleep_until: impl Fn(Instant) -> S,
) -> anyhow::Result<(Vec<Lateness>, f64)> {
    let load = EchoLoad {
        addr,
        connections: plan.load_connections,
        idle: 0,
        message: LOAD_MESSAGE,
        warmup: LOAD_WARMUP,
        measure: LOAD_LIMIT,
        cpu: load_cpu,
        watch: None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("timer-load".to_owned())
            .spawn(move || load::run_echo_until(&load, stop))
            .context("cannot start the load's thread")?
    };
    sleep_until(Instant::now() + LOAD_WARMUP).await;
    let late = lateness(&plan.series, &sleep_until).await;
    stop.store(true, Ordering::Relaxed);
    // The loop must go on serving until every connection has finished its
    // last round trip and closed: wait for the thread on the loop's timers.
    while !thread.is_finished() {
        sleep_until(Instant::now() + Duration::from_millis(1)).await;
    }
    let outcome = thread
        .join()
        .map_err(|_| anyhow!("the load's thread panicked"))?
        .context("the load generator failed")?;
    if outcome.failures.total() > 0 || outcome.established < plan.load_connections {
        bail!(
            "the echo load beside the sleeps failed: {} of {} connections served, {}",
            outcome.established,
            plan.load_connections,
            outcome.failures
        );
    }
    Ok((late, outcome.rate()))
}

/// ghetto-loop's echo server for the loaded figure: chapter 15's
/// shared-buffer echo (the one the benchmark runs) on every connection,
/// the accept loop written as the tokio peer's.
async fn ghetto_echo(listener: ghetto_loop::net::TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                drop(ghetto_loop::task::spawn(async move {
                    if let Err(e) = ch15_reactor::echo::echo_shared_buffer(stream).await {
                        eprintln!("ghetto-loop echo: connection failed: {e}");
                    }
                }));
            }
            Err(e) => {
                eprintln!("ghetto-loop echo: accept failed: {e}");
                ghetto_loop::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Crowd tasks polled at least once, in this process.
static POLLED: AtomicUsize = AtomicUsize::new(0);

/// Crowd tasks that ran again before their deadline, in this process.
static EARLY: AtomicUsize = AtomicUsize::new(0);

/// A crowd task: counts its first poll, waits for `wait`, and counts an
/// early wake if it runs again before `deadline`. The clock is read the
/// same way whatever it waits for, so a sleeping task and a yielding one
/// differ only in the timer.
async fn wake_after(wait: impl Future<Output = ()>, deadline: Instant) {
    POLLED.fetch_add(1, Ordering::Relaxed);
    wait.await;
    if Instant::now() < deadline {
        EARLY.fetch_add(1, Ordering::Relaxed);
    }
}

/// The crowd's deadlines: spread evenly over `plan.spread`, starting
/// [`CROWD_LEAD`] of it after `start`.
fn deadlines(plan: &TimerPlan, start: Instant) -> Vec<Instant> {
    let first = start + plan.crowd_lead();
    let step = plan.spread / plan.crowd as u32;
    (0..plan.crowd as u32).map(|i| first + step * i).collect()
}

/// RSS bytes each crowd task adds while it waits: spawns them (handles
/// dropped), yields until every one has been polled once, reads the RSS
/// again. The tasks are dropped with the runtime, unfired, so their
/// deadlines are an hour away: none is due while they start, however busy
/// the machine.
async fn crowd_bytes<T, Y: Future<Output = ()>>(
    plan: &TimerPlan,
    task: impl Fn(Instant) -> T,
    spawn: impl Fn(T),
    yield_now: impl Fn() -> Y,
) -> anyhow::Result<f64> {
    // Made before the first reading: the list is not the tasks' memory.
    let deadlines = deadlines(plan, Instant::now() + Duration::from_secs(3600));
    let before = course::testing::rss_bytes(std::process::id())?;
    let polled = POLLED.load(Ordering::Relaxed);
    for &deadline in &deadlines {
        spawn(task(deadline));
    }
    while POLLED.load(Ordering::Relaxed) < polled + plan.crowd {
        yield_now().await;
    }
    let after = course::testing::rss_bytes(std::process::id())?;
    Ok((after as f64 - before as f64) / plan.crowd as f64)
}

/// CPU time per crowd task, from the first spawn to the last join.
async fn crowd_cpu_ns<T, H, E>(
    plan: &TimerPlan,
    task: impl Fn(Instant) -> T,
    spawn: impl Fn(T) -> H,
) -> anyhow::Result<f64>
where
    H: Future<Output = Result<(), E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let deadlines = deadlines(plan, Instant::now());
    let before = crate::cpu_time::this_thread()?;
    let handles: Vec<H> = deadlines.iter().map(|&d| spawn(task(d))).collect();
    for handle in handles {
        handle.await?;
    }
    let spent = crate::cpu_time::this_thread()?.saturating_sub(before);
    Ok(spent.as_nanos() as f64 / plan.crowd as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> TimerPlan {
        let series = |micros, count| Series {
            sleep: Duration::from_micros(micros),
            count,
        };
        TimerPlan {
            series: vec![series(1_000, 5), series(1_500, 5)],
            load_connections: 2,
            load_cpu: None,
            crowd: 500,
            spread: Duration::from_millis(50),
        }
    }

    #[test]
    fn a_plan_survives_its_flags() {
        let plan = TimerPlan {
            load_cpu: Some(1),
            ..TimerPlan::default()
        };
        let mut back = TimerPlan::default();
        for pair in plan.to_args().chunks(2) {
            back.set(&pair[0], &pair[1]).unwrap();
        }
        assert_eq!(back, plan);
        assert!(
            back.set("--series", "1000")
                .unwrap_err()
                .contains("MICROS:COUNT")
        );
        assert!(back.set("--tasks", "1").is_err());
    }

    #[test]
    fn both_runtimes_give_figures_and_never_wake_early() {
        for runtime in Runtime::ALL {
            let figures = measure_here(runtime, &tiny()).unwrap();
            let line = Line::parse(&figures.to_line().to_string()).unwrap();
            let back = TimerFigures::from_line(&line).unwrap();
            assert_eq!(back.idle.len(), 2, "{runtime:?}");
            for late in figures.idle.iter().chain(&figures.loaded) {
                assert_eq!(late.early, 0.0, "{runtime:?}: {figures:?}");
                assert!(late.p50_ns <= late.p99_ns && late.p99_ns <= late.max_ns);
            }
            assert_eq!(figures.crowd.early, 0.0, "{runtime:?}");
            assert!(figures.load_rate > 0.0, "{runtime:?}: {figures:?}");
            assert!(figures.crowd.sleeping_task_ns > 0.0, "{runtime:?}");
        }
    }
}

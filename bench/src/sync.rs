//! How fast a mutex changes hands and a channel carries messages, on
//! ghetto-loop's `sync` (chapter 17) and on `tokio::sync` on tokio's
//! current-thread runtime.
//!
//! Each runtime is measured in a fresh child process of its own (`bench
//! sync NAME`, see [`crate::child`]), the same code on both:
//!
//! * **Mutex, lock and yield**: N tasks share one async mutex; each, M
//!   times, locks it, adds one to the count inside, unlocks and yields. The
//!   lock is never held across an `.await`, so no task ever waits for it:
//!   this is the common case, a lock taken and given back between two
//!   turns of other tasks. Locks per second.
//! * **Mutex held across a yield**: the same, but the task yields *while
//!   holding* the lock, so the other N - 1 are always waiting for it and
//!   every unlock hands it to the next in line (FIFO on both runtimes):
//!   hand-offs per second.
//! * **Channel**: a bounded channel of the plan's capacity, one producer
//!   task sending the numbers 0..K and one consumer task receiving them:
//!   messages per second.
//!
//! Each figure runs once at a tenth of its size first, not timed (the
//! allocator and the runtime's queues grow to their size), then timed:
//! wall time from the first spawn to the last join. The count the tasks
//! leave (the mutex's value, the sum of the messages) is checked, so a
//! figure from a run that lost a lock or a message fails instead.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::child::{self, Figures, Line, Plan, Runtime};
use crate::cli::number;
use crate::stats::Spread;

/// How long a child may take for every figure.
const CHILD_LIMIT: Duration = Duration::from_secs(120);

/// The untimed first run of each figure is this fraction of its size.
const WARMUP_SHARE: usize = 10;

/// What the sync figures measure, and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncPlan {
    /// Tasks sharing the mutex.
    pub tasks: usize,
    /// Locks per task.
    pub locks: usize,
    /// Messages through the channel.
    pub messages: usize,
    /// The channel's capacity.
    pub capacity: usize,
}

impl Default for SyncPlan {
    fn default() -> SyncPlan {
        SyncPlan {
            tasks: 10,
            locks: 100_000,
            messages: 1_000_000,
            capacity: 64,
        }
    }
}

impl Plan for SyncPlan {
    const COMMAND: &'static str = "sync";

    fn to_args(&self) -> Vec<String> {
        [
            ("--tasks", self.tasks),
            ("--locks", self.locks),
            ("--messages", self.messages),
            ("--capacity", self.capacity),
        ]
        .into_iter()
        .flat_map(|(flag, n)| [flag.to_owned(), n.to_string()])
        .collect()
    }

    fn set(&mut self, flag: &str, value: &str) -> Result<(), String> {
        let field = match flag {
            "--tasks" => &mut self.tasks,
            "--locks" => &mut self.locks,
            "--messages" => &mut self.messages,
            "--capacity" => &mut self.capacity,
            _ => {
                return Err(format!(
                    "sync takes --tasks, --locks, --messages and --capacity, not {flag}"
                ));
            }
        };
        *field = number(flag, value)?;
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        // Below WARMUP_SHARE, the warm-up would run nothing at all; that
        // is fine, but a timed run of nothing is not.
        if [self.tasks, self.locks, self.messages, self.capacity].contains(&0) {
            return Err(
                "--tasks, --locks, --messages and --capacity must be at least 1".to_owned(),
            );
        }
        Ok(())
    }
}

/// One child's figures, each in operations per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SyncFigures {
    /// Locks per second, never held across an `.await`.
    pub mutex_per_s: f64,
    /// Hand-offs per second, the lock held across a yield.
    pub handoff_per_s: f64,
    /// Messages per second through the channel.
    pub channel_per_s: f64,
}

impl Figures for SyncFigures {
    fn to_line(&self) -> Line {
        let mut line = Line::default();
        line.push("mutex_per_s", self.mutex_per_s);
        line.push("handoff_per_s", self.handoff_per_s);
        line.push("channel_per_s", self.channel_per_s);
        line
    }

    fn from_line(line: &Line) -> Option<SyncFigures> {
        Some(SyncFigures {
            mutex_per_s: line.get("mutex_per_s")?,
            handoff_per_s: line.get("handoff_per_s")?,
            channel_per_s: line.get("channel_per_s")?,
        })
    }
}

/// A runtime's sync figures over its runs.
#[derive(Debug, Clone, Copy)]
pub struct SyncSummary {
    /// Locks per second.
    pub mutex_per_s: Spread,
    /// Hand-offs per second.
    pub handoff_per_s: Spread,
    /// Messages per second.
    pub channel_per_s: Spread,
}

impl SyncSummary {
    /// The summary of the runs that measured; `None` if there are none.
    pub fn of(runs: &[&SyncFigures]) -> Option<SyncSummary> {
        let spread = |pick: fn(&SyncFigures) -> f64| {
            Spread::range(&runs.iter().map(|f| pick(f)).collect::<Vec<_>>())
        };
        Some(SyncSummary {
            mutex_per_s: spread(|f| f.mutex_per_s)?,
            handoff_per_s: spread(|f| f.handoff_per_s)?,
            channel_per_s: spread(|f| f.channel_per_s)?,
        })
    }
}

/// Runs `bench sync NAME` pinned to `cpu` and returns what it printed.
pub fn measure(runtime: Runtime, plan: SyncPlan, cpu: usize) -> anyhow::Result<SyncFigures> {
    child::measure(runtime, &plan, cpu, CHILD_LIMIT)
}

/// Whether a task holds the lock across its yield.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hold {
    /// Lock, add one, unlock, yield: nobody ever waits.
    Briefly,
    /// Lock, add one, yield, unlock: the others wait, and each unlock hands
    /// the lock on.
    AcrossYield,
}

/// The child side: every figure for `runtime`, each on a fresh runtime of
/// its own, warmed up first.
pub fn measure_here(runtime: Runtime, plan: SyncPlan) -> anyhow::Result<SyncFigures> {
    let warmup = SyncPlan {
        locks: plan.locks / WARMUP_SHARE,
        messages: plan.messages / WARMUP_SHARE,
        ..plan
    };
    let figures = |plan: SyncPlan| -> anyhow::Result<[f64; 3]> {
        let locks = plan.tasks * plan.locks;
        Ok(match runtime {
            Runtime::Tokio => {
                let rt = Runtime::tokio;
                [
                    per_second(locks, || rt()?.block_on(tokio_mutex(plan, Hold::Briefly)))?,
                    per_second(locks, || {
                        rt()?.block_on(tokio_mutex(plan, Hold::AcrossYield))
                    })?,
                    per_second(plan.messages, || rt()?.block_on(tokio_channel(plan)))?,
                ]
            }
            Runtime::GhettoLoop => {
                use ghetto_loop::run;
                [
                    per_second(locks, || run(ghetto_mutex(plan, Hold::Briefly))?)?,
                    per_second(locks, || run(ghetto_mutex(plan, Hold::AcrossYield))?)?,
                    per_second(plan.messages, || run(ghetto_channel(plan))?)?,
                ]
            }
        })
    };
    figures(warmup)?;
    let [mutex_per_s, handoff_per_s, channel_per_s] = figures(plan)?;
    Ok(SyncFigures {
        mutex_per_s,
        handoff_per_s,
        channel_per_s,
    })
}

/// Runs `figure`, checks that it counted `ops` operations, and returns
/// them per second of wall time.
fn per_second(
    ops: usize,
    figure: impl FnOnce() -> anyhow::Result<(u64, Duration)>,
) -> anyhow::Result<f64> {
    let (counted, took) = figure()?;
    if counted != ops as u64 {
        bail!("counted {counted} operations where there were {ops}");
    }
    Ok(ops as f64 / took.as_secs_f64().max(1e-9))
}

/// tokio: the mutex figure; the count the tasks left, and the time.
pub(crate) async fn tokio_mutex(plan: SyncPlan, hold: Hold) -> anyhow::Result<(u64, Duration)> {
    use tokio::task::{spawn, yield_now};
    let start = Instant::now();
    let mutex = Arc::new(tokio::sync::Mutex::new(0u64));
    let handles: Vec<_> = (0..plan.tasks)
        .map(|_| {
            let mutex = mutex.clone();
            spawn(async move {
                for _ in 0..plan.locks {
                    let mut count = mutex.lock().await;
                    *count += 1;
                    if hold == Hold::AcrossYield {
                        yield_now().await;
                    }
                    drop(count);
                    if hold == Hold::Briefly {
                        yield_now().await;
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await?;
    }
    let took = start.elapsed();
    let count = *mutex.lock().await;
    Ok((count, took))
}

/// ghetto-loop: the mutex figure, as [`tokio_mutex`].
pub(crate) async fn ghetto_mutex(plan: SyncPlan, hold: Hold) -> anyhow::Result<(u64, Duration)> {
    use ghetto_loop::task::{spawn, yield_now};
    let start = Instant::now();
    let mutex = Rc::new(ghetto_loop::sync::Mutex::new(0u64));
    let handles: Vec<_> = (0..plan.tasks)
        .map(|_| {
            let mutex = mutex.clone();
            spawn(async move {
                for _ in 0..plan.locks {
                    let mut count = mutex.lock().await;
                    *count += 1;
                    if hold == Hold::AcrossYield {
                        yield_now().await;
                    }
                    drop(count);
                    if hold == Hold::Briefly {
                        yield_now().await;
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await?;
    }
    let took = start.elapsed();
    let count = *mutex.lock().await;
    Ok((count, took))
}

/// tokio: the channel figure; how many messages arrived (checked by their
/// sum), and the time.
pub(crate) async fn tokio_channel(plan: SyncPlan) -> anyhow::Result<(u64, Duration)> {
    use tokio::task::spawn;
    let start = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel(plan.capacity);
    let producer = spawn(async move {
        for i in 0..plan.messages as u64 {
            if tx.send(i).await.is_err() {
                break;
            }
        }
    });
    let consumer = spawn(async move {
        let (mut count, mut sum) = (0u64, 0u64);
        while let Some(i) = rx.recv().await {
            (count, sum) = (count + 1, sum.wrapping_add(i));
        }
        (count, sum)
    });
    producer.await?;
    let (count, sum) = consumer.await?;
    let took = start.elapsed();
    check_sum(count, sum)?;
    Ok((count, took))
}

/// ghetto-loop: the channel figure, as [`tokio_channel`].
pub(crate) async fn ghetto_channel(plan: SyncPlan) -> anyhow::Result<(u64, Duration)> {
    use ghetto_loop::task::spawn;
    let start = Instant::now();
    let (tx, mut rx) = ghetto_loop::sync::mpsc::channel(plan.capacity);
    let producer = spawn(async move {
        for i in 0..plan.messages as u64 {
            if tx.send(i).await.is_err() {
                break;
            }
        }
    });
    let consumer = spawn(async move {
        let (mut count, mut sum) = (0u64, 0u64);
        while let Some(i) = rx.recv().await {
            (count, sum) = (count + 1, sum.wrapping_add(i));
        }
        (count, sum)
    });
    producer.await?;
    let (count, sum) = consumer.await?;
    let took = start.elapsed();
    check_sum(count, sum)?;
    Ok((count, took))
}

/// The messages 0..count, each once, add up to count (count - 1) / 2.
fn check_sum(count: u64, sum: u64) -> anyhow::Result<()> {
    let expected = (count * count.saturating_sub(1)) / 2;
    if sum != expected {
        bail!("{count} messages added up to {sum}, not {expected}: some were lost or repeated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_survives_its_flags() {
        let plan = SyncPlan {
            tasks: 3,
            ..SyncPlan::default()
        };
        let mut back = SyncPlan::default();
        for pair in plan.to_args().chunks(2) {
            back.set(&pair[0], &pair[1]).unwrap();
        }
        assert_eq!(back, plan);
        assert!(back.set("--crowd", "1").is_err());
        back.tasks = 0;
        assert!(back.check().is_err());
    }

    #[test]
    fn both_runtimes_give_figures() {
        let plan = SyncPlan {
            tasks: 4,
            locks: 200,
            messages: 5_000,
            capacity: 8,
        };
        for runtime in Runtime::ALL {
            let figures = measure_here(runtime, plan).unwrap();
            let line = Line::parse(&figures.to_line().to_string()).unwrap();
            assert!(SyncFigures::from_line(&line).is_some());
            assert!(figures.mutex_per_s > 0.0, "{runtime:?}: {figures:?}");
            assert!(figures.handoff_per_s > 0.0, "{runtime:?}: {figures:?}");
            assert!(figures.channel_per_s > 0.0, "{runtime:?}: {figures:?}");
        }
    }
}

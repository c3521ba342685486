//! What a task costs: the time to spawn one and await its end, and the
//! memory one holds while it waits, on ghetto-loop and on tokio's
//! current-thread runtime.
//!
//! Each runtime is measured in a fresh child process of its own (`bench
//! tasks NAME`), so that the RSS a runtime's parked tasks add is theirs
//! alone, and one runtime's heap never serves the other's tasks. The child
//! prints its figures on one line; [`measure`] runs it and reads them.
//!
//! * **Spawn and join**: a batch of N empty tasks spawned one after another,
//!   then each awaited through its `JoinHandle`; the time of the batch over
//!   N. A batch first that is not timed grows the runtime's tables and the
//!   allocator's free lists to their size; the figure is the median of the
//!   timed batches.
//! * **A parked task**: N tasks spawned (their `JoinHandle`s dropped), each
//!   polled once, answering `Pending` and keeping no waker, as
//!   `std::future::pending()` does: the RSS they add, over N. That is the
//!   task alone: what it waits for (a socket, a timer) costs on top.

use std::future::{Future, Ready};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::child::{self, Figures, Line, Plan, Runtime};
use crate::cli::number;
use crate::stats::Spread;

/// How long a child may take for both figures.
const CHILD_LIMIT: Duration = Duration::from_secs(120);

/// How many tasks, how many times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskPlan {
    /// Tasks per spawn-and-join batch, and tasks parked at once.
    pub tasks: usize,
    /// Timed spawn-and-join batches (after one that is not timed).
    pub batches: usize,
}

impl Default for TaskPlan {
    fn default() -> TaskPlan {
        TaskPlan {
            tasks: 100_000,
            batches: 5,
        }
    }
}

impl Plan for TaskPlan {
    const COMMAND: &'static str = "tasks";

    fn to_args(&self) -> Vec<String> {
        vec![
            "--tasks".to_owned(),
            self.tasks.to_string(),
            "--batches".to_owned(),
            self.batches.to_string(),
        ]
    }

    fn set(&mut self, flag: &str, value: &str) -> Result<(), String> {
        match flag {
            "--tasks" => self.tasks = number(flag, value)?,
            "--batches" => self.batches = number(flag, value)?,
            _ => return Err(format!("tasks takes --tasks and --batches, not {flag}")),
        }
        Ok(())
    }

    fn check(&self) -> Result<(), String> {
        if self.tasks == 0 || self.batches == 0 {
            return Err("--tasks and --batches must be at least 1".to_owned());
        }
        Ok(())
    }
}

/// One child's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskFigures {
    /// Nanoseconds per spawn and await of an empty task: the median batch.
    pub spawn_join_ns: f64,
    /// RSS bytes each parked task added.
    pub idle_task_bytes: f64,
}

impl Figures for TaskFigures {
    fn to_line(&self) -> Line {
        let mut line = Line::default();
        line.push("spawn_join_ns", self.spawn_join_ns);
        line.push("idle_task_bytes", self.idle_task_bytes);
        line
    }

    fn from_line(line: &Line) -> Option<TaskFigures> {
        Some(TaskFigures {
            spawn_join_ns: line.get("spawn_join_ns")?,
            idle_task_bytes: line.get("idle_task_bytes")?,
        })
    }
}

/// Runs `bench tasks NAME` pinned to `cpu` and returns what it printed.
pub fn measure(runtime: Runtime, plan: TaskPlan, cpu: usize) -> anyhow::Result<TaskFigures> {
    child::measure(runtime, &plan, cpu, CHILD_LIMIT)
}

/// The child side: both figures for `runtime`, each on a runtime of its
/// own, so the timed tasks do not run beside the parked ones.
pub fn measure_here(runtime: Runtime, plan: TaskPlan) -> anyhow::Result<TaskFigures> {
    match runtime {
        Runtime::Tokio => {
            let runtime = || tokio::runtime::Builder::new_current_thread().build();
            let parked = |task| drop(tokio::spawn(task));
            let idle_task_bytes =
                runtime()?.block_on(idle_task_bytes(plan.tasks, parked, tokio::task::yield_now))?;
            let spawn_join_ns = runtime()?.block_on(spawn_join_ns(plan, tokio::spawn))?;
            Ok(TaskFigures {
                spawn_join_ns,
                idle_task_bytes,
            })
        }
        Runtime::GhettoLoop => {
            use ghetto_loop::task;
            let parked = |task| drop(task::spawn(task));
            let idle_task_bytes =
                ghetto_loop::run(idle_task_bytes(plan.tasks, parked, task::yield_now))??;
            let spawn_join_ns = ghetto_loop::run(spawn_join_ns(plan, task::spawn))??;
            Ok(TaskFigures {
                spawn_join_ns,
                idle_task_bytes,
            })
        }
    }
}

/// Nanoseconds per spawn and await of an empty task, the median batch.
pub(crate) async fn spawn_join_ns<H, E>(
    plan: TaskPlan,
    spawn: impl Fn(Ready<()>) -> H,
) -> anyhow::Result<f64>
where
    H: Future<Output = Result<(), E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let mut samples = Vec::new();
    // Batch 0 is not timed: see the module's doc.
    for batch in 0..=plan.batches {
        let start = Instant::now();
        let handles: Vec<H> = (0..plan.tasks)
            .map(|_| spawn(std::future::ready(())))
            .collect();
        for handle in handles {
            handle.await?;
        }
        if batch > 0 {
            samples.push(start.elapsed().as_nanos() as f64 / plan.tasks as f64);
        }
    }
    Spread::range(&samples)
        .map(|s| s.median)
        .context("no batch was timed")
}

/// RSS bytes each of `n` parked tasks adds: spawns them, yields until
/// every one has been polled once, reads the RSS again.
async fn idle_task_bytes<Y: Future<Output = ()>>(
    n: usize,
    spawn: impl Fn(Parked),
    yield_now: impl Fn() -> Y,
) -> io::Result<f64> {
    let before = course::testing::rss_bytes(std::process::id())?;
    let polled = POLLED.load(Ordering::Relaxed);
    for _ in 0..n {
        spawn(Parked);
    }
    while POLLED.load(Ordering::Relaxed) < polled + n {
        yield_now().await;
    }
    let after = course::testing::rss_bytes(std::process::id())?;
    Ok((after as f64 - before as f64) / n as f64)
}

/// How many [`Parked`] futures have been polled, in this process.
static POLLED: AtomicUsize = AtomicUsize::new(0);

/// A task's future that waits forever, like `std::future::pending()`, and
/// counts its polls so the measure knows when every task has been polled.
/// It keeps no waker: what a parked task costs here is the task alone.
#[derive(Debug)]
struct Parked;

impl Future for Parked {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut TaskContext<'_>) -> Poll<()> {
        POLLED.fetch_add(1, Ordering::Relaxed);
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_survive_their_line() {
        let figures = TaskFigures {
            spawn_join_ns: 123.4,
            idle_task_bytes: 256.0,
        };
        let line = Line::parse(&figures.to_line().to_string()).unwrap();
        assert_eq!(TaskFigures::from_line(&line), Some(figures));
        assert_eq!(TaskFigures::from_line(&Line::default()), None);
    }

    #[test]
    fn both_runtimes_give_figures() {
        let plan = TaskPlan {
            tasks: 2_000,
            batches: 2,
        };
        for runtime in Runtime::ALL {
            let figures = measure_here(runtime, plan).unwrap();
            assert!(figures.spawn_join_ns > 0.0, "{runtime:?}: {figures:?}");
        }
    }
}

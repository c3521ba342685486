//! A cooperative scheduler for generators that ask to sleep (chapter 09).
//!
//! The Python this stands for:
//!
//! ```python
//! def run(*tasks):
//!     wake_at = {task: 0 for task in tasks}
//!     while wake_at:
//!         task = min(wake_at, key=wake_at.get)          # the nearest wake-up
//!         time.sleep(max(0, wake_at[task] - time.time()))
//!         try:
//!             wake_at[task] = time.time() + next(task)  # it yields a delay
//!         except StopIteration:
//!             del wake_at[task]
//! ```
//!
//! A task never sleeps by itself: it yields [`Call::Sleep`] and the
//! scheduler, which sees every task's wake-up time, sleeps the thread only
//! until the nearest one. That is the whole trick of an async runtime's
//! timers: one thread, one sleep, as many waiting tasks as you like. It only
//! works if every task plays along: one that calls `thread::sleep` itself
//! stalls all the others (the demo shows it).
//!
//! Simplifications, named: the nearest task is found by scanning them all,
//! O(n) per step (chapter 16 keeps timers in a heap, as asyncio does); and
//! the only things a task can wait for are time and nothing (chapter 10 adds
//! sockets).

use std::fmt;
use std::thread;
use std::time::{Duration, Instant};

use ch08_generators::{Generator, GeneratorState};

/// What a task asks of the scheduler when it yields: the analogue of a
/// system call, from a task to its scheduler.
pub enum Call {
    /// "Resume me after this long." `Duration::ZERO` means "let the others
    /// have a turn, then me again".
    Sleep(Duration),
    /// "Start this task too, then resume me." (Python frameworks of this
    /// kind spelled it `yield NewTask(...)`; asyncio spells it
    /// `create_task`.)
    Spawn(Task),
}

/// A task: a generator resumed with `()` that yields [`Call`]s and completes
/// with `()`.
pub type Task = Box<dyn Generator<(), Yield = Call, Return = ()>>;

/// Runs `tasks`, and every task they spawn, until all have completed.
///
/// ```
/// use std::time::{Duration, Instant};
/// use ch08_generators::{Generator, GeneratorState};
/// use ch09_cooperative_scheduler::{Call, Task, run};
///
/// /// Sleeps once, then completes.
/// struct Nap(Option<Duration>);
/// impl Generator for Nap {
///     type Yield = Call;
///     type Return = ();
///     fn resume(&mut self, (): ()) -> GeneratorState<Call, ()> {
///         match self.0.take() {
///             Some(d) => GeneratorState::Yielded(Call::Sleep(d)),
///             None => GeneratorState::Complete(()),
///         }
///     }
/// }
///
/// let start = Instant::now();
/// let naps: Vec<Task> = vec![
///     Box::new(Nap(Some(Duration::from_millis(100)))),
///     Box::new(Nap(Some(Duration::from_millis(100)))),
/// ];
/// run(naps);
/// // The two naps overlapped: about 100 ms in all, not 200.
/// assert!(start.elapsed() < Duration::from_millis(190));
/// ```
pub fn run(tasks: impl IntoIterator<Item = Task>) {
    let mut scheduler = Scheduler::new();
    for task in tasks {
        scheduler.spawn(task);
    }
    scheduler.run();
}

/// The tasks and when each wants to be resumed.
#[derive(Default)]
pub struct Scheduler {
    /// Every task that has not completed, with its wake-up time. None is
    /// running while it is in here: a task is taken out to be resumed.
    tasks: Vec<Sleeper>,
    /// The next spawn number, so that tasks due at the same instant run in
    /// the order they were scheduled.
    next_seq: u64,
}

/// One task waiting for its time.
struct Sleeper {
    /// When to resume it.
    wake_at: Instant,
    /// Tie-breaker: smaller goes first (first in, first out).
    seq: u64,
    /// The task itself.
    task: Task,
}

impl Scheduler {
    /// A scheduler with no tasks.
    pub fn new() -> Scheduler {
        Scheduler::default()
    }

    /// Adds a task, due at once.
    pub fn spawn(&mut self, task: Task) {
        self.schedule(task, Instant::now());
    }

    /// How many tasks have not completed yet.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether every task has completed.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Resumes tasks, nearest wake-up first, until none is left. Between
    /// two resumes the thread sleeps until the next task is due, and does
    /// nothing else: this is the only place anything waits.
    pub fn run(&mut self) {
        while let Some(next) = self.nearest() {
            let Sleeper { wake_at, task, .. } = self.tasks.swap_remove(next);
            let now = Instant::now();
            if wake_at > now {
                thread::sleep(wake_at - now);
            }
            self.resume(task);
        }
    }

    /// Resumes one task and files it according to what it yields.
    fn resume(&mut self, mut task: Task) {
        match task.resume(()) {
            GeneratorState::Yielded(Call::Sleep(delay)) => {
                let now = Instant::now();
                // A delay too long for `Instant` (say `Duration::MAX`) is as
                // good as "not in this program's lifetime": a year will do.
                let wake_at = now
                    .checked_add(delay)
                    .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
                self.schedule(task, wake_at);
            }
            GeneratorState::Yielded(Call::Spawn(child)) => {
                // The child first, then the parent again, both due now.
                self.spawn(child);
                self.spawn(task);
            }
            // Completed: dropping the task frees everything it held.
            GeneratorState::Complete(()) => {}
        }
    }

    fn schedule(&mut self, task: Task, wake_at: Instant) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.tasks.push(Sleeper { wake_at, seq, task });
    }

    /// The index of the task due first (ties: the one scheduled first).
    fn nearest(&self) -> Option<usize> {
        self.tasks
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| (s.wake_at, s.seq))
            .map(|(index, _)| index)
    }
}

impl fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler")
            .field("tasks", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Sleep(delay) => f.debug_tuple("Sleep").field(delay).finish(),
            Call::Spawn(_) => f.write_str("Spawn(..)"),
        }
    }
}

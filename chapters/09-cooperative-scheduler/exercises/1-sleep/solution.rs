// Exercise 09-1, the reference solution: a scheduler for tasks that yield
// how long to sleep.
use std::thread;
use std::time::{Duration, Instant};

use ch08_generators::{Generator, GeneratorState};

/// A task: resumed with `()`, yields how long it wants to sleep.
pub type Task = Box<dyn Generator<(), Yield = Duration, Return = ()>>;

/// Runs `tasks` until all have completed, each resumed when its sleep is up.
pub fn run(tasks: Vec<Task>) {
    let now = Instant::now();
    // (wake-up time, order of scheduling, task)
    let mut waiting: Vec<(Instant, u64, Task)> = Vec::new();
    let mut next_seq = 0;
    for task in tasks {
        waiting.push((now, next_seq, task));
        next_seq += 1;
    }
    while let Some(nearest) = waiting
        .iter()
        .enumerate()
        .min_by_key(|(_, (wake_at, seq, _))| (*wake_at, *seq))
        .map(|(index, _)| index)
    {
        let (wake_at, _, mut task) = waiting.swap_remove(nearest);
        let now = Instant::now();
        if wake_at > now {
            thread::sleep(wake_at - now);
        }
        if let GeneratorState::Yielded(delay) = task.resume(()) {
            waiting.push((Instant::now() + delay, next_seq, task));
            next_seq += 1;
        }
    }
}

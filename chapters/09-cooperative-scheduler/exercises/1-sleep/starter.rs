// Exercise 09-1: a scheduler for tasks that yield how long to sleep. See
// README.md.
use std::time::Duration;

use ch08_generators::Generator;

/// A task: resumed with `()`, yields how long it wants to sleep.
pub type Task = Box<dyn Generator<(), Yield = Duration, Return = ()>>;

/// Runs `tasks` until all have completed, each resumed when its sleep is up.
pub fn run(tasks: Vec<Task>) {
    todo!("resume the task whose wake-up is nearest; sleep until it is due")
}

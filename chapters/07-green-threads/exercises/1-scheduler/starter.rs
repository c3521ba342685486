// Exercise 07-1: the green-thread scheduler's bookkeeping. See README.md.
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::panic::{self, AssertUnwindSafe};

// `switch` is the one unsafe call you will need: import it next to these.
use ch07_green_threads::context::{Context, Stack};

/// Each green thread's stack size.
pub const STACK_SIZE: usize = 128 * 1024;

/// Queues a green thread that will run `f` when `run` gets to it.
pub fn spawn(f: impl FnOnce() + 'static) -> io::Result<()> {
    todo!("map a stack, make a context that runs `trampoline`, queue the thread")
}

/// Gives the CPU to the next thread; returns at once outside a green thread.
pub fn yield_now() {
    todo!("switch from the running thread's context to `home`")
}

/// Runs the green threads until none is left; returns how many finished.
pub fn run() -> usize {
    todo!("switch to each ready thread in turn; requeue or drop it when it comes back")
}

/// The scheduler of this OS thread.
struct Scheduler {
    /// Where `run` waits while a green thread runs.
    home: Context,
    /// Threads waiting for their turn.
    ready: VecDeque<Thread>,
    /// The thread on the CPU, `None` while `run` itself is.
    running: Option<Thread>,
}

/// One green thread.
struct Thread {
    /// Its registers while it is not running.
    context: Context,
    /// Its stack: keep it alive as long as the thread may run.
    stack: Stack,
    /// The function to run; `trampoline` takes it.
    entry: Option<Box<dyn FnOnce()>>,
    /// Set by `trampoline` when the function has returned.
    finished: bool,
}

thread_local! {
    static SCHEDULER: RefCell<Scheduler> = RefCell::new(Scheduler {
        home: Context::new(),
        ready: VecDeque::new(),
        running: None,
    });
}

/// Runs `f` on the scheduler. Never switch contexts inside `f`.
fn with_scheduler<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    SCHEDULER.with(|scheduler| f(&mut scheduler.borrow_mut()))
}

/// Where every green thread starts; returning resumes its link (`home`).
extern "C" fn trampoline() {
    let entry = with_scheduler(|s| s.running.as_mut().and_then(|t| t.entry.take()));
    if let Some(f) = entry {
        // A panic must not unwind into the C frame below us.
        if panic::catch_unwind(AssertUnwindSafe(f)).is_err() {
            eprintln!("a green thread panicked");
        }
    }
    with_scheduler(|s| {
        if let Some(thread) = s.running.as_mut() {
            thread.finished = true;
        }
    });
}

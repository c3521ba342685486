// Exercise 07-1, the reference solution: the green-thread scheduler's
// bookkeeping.
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::panic::{self, AssertUnwindSafe};

use ch07_green_threads::context::{Context, Stack, switch};

/// Each green thread's stack size.
pub const STACK_SIZE: usize = 128 * 1024;

/// Queues a green thread that will run `f` when `run` gets to it.
pub fn spawn(f: impl FnOnce() + 'static) -> io::Result<()> {
    let mut stack = Stack::new(STACK_SIZE)?;
    with_scheduler(|s| {
        let context = Context::with_entry(&mut stack, trampoline, &s.home)?;
        s.ready.push_back(Thread {
            context,
            stack,
            entry: Some(Box::new(f)),
            finished: false,
        });
        Ok(())
    })
}

/// Gives the CPU to the next thread; returns at once outside a green thread.
pub fn yield_now() {
    let pointers = with_scheduler(|s| {
        let running = s.running.as_ref()?;
        Some((running.context.as_ptr(), s.home.as_ptr()))
    });
    let Some((me, home)) = pointers else {
        return;
    };
    // SAFETY: `me` is the running thread's context, kept alive in `running`
    // until `run` gets control back; `home` was saved by the switch in `run`
    // that resumed us, and runs on the OS thread's own stack.
    unsafe { switch(me, home) }.expect("swapcontext failed");
}

/// Runs the green threads until none is left; returns how many finished.
pub fn run() -> usize {
    let mut finished = 0;
    loop {
        let next = with_scheduler(|s| {
            let thread = s.ready.pop_front()?;
            let to = thread.context.as_ptr();
            s.running = Some(thread);
            Some((s.home.as_ptr(), to))
        });
        let Some((home, to)) = next else {
            return finished;
        };
        // SAFETY: `to` is new from `with_entry` or was saved by the thread's
        // last `yield_now`; its stack lives in `running` until it switches
        // back; its link, `home`, lives as long as the OS thread.
        unsafe { switch(home, to) }.expect("swapcontext failed");
        let thread = with_scheduler(|s| s.running.take()).expect("a thread was running");
        if thread.finished {
            finished += 1;
            // Dropped here, on our own stack: its stack is unmapped.
        } else {
            with_scheduler(|s| s.ready.push_back(thread));
        }
    }
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
    /// Its stack: keep it alive as long as the thread may run. Nothing reads
    /// the field; owning it is its job (dropping it unmaps the stack).
    #[allow(dead_code)]
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

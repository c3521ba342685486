//! Green threads: `spawn`, `yield_now` and `run`, on the contexts and stacks
//! of `context.rs` (chapter 07).
//!
//! A green thread is a function with a stack of its own, run by a scheduler
//! in user space instead of by the kernel. This one is cooperative: a thread
//! runs until it calls [`yield_now`] (or finishes), and nothing can take the
//! CPU from it in between. [`run`] is the scheduler: a loop that switches to
//! the next ready thread, and gets control back when that thread yields.
//!
//! ```text
//!   run()  ──switch──▶ thread A ... yield_now() ──switch──▶ run()
//!   run()  ──switch──▶ thread B ... returns ──(uc_link)──▶ run()  (B's stack freed)
//! ```
//!
//! Every switch goes through the scheduler (two `swapcontext`s per
//! `yield_now`); a thread never switches straight to another. That keeps the
//! bookkeeping in one place, at the price of one extra switch.
//!
//! The scheduler lives in a thread-local: each OS thread can run its own set
//! of green threads, and they never leave it (which is why a green thread may
//! share an `Rc` with another one without any lock).

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};

use crate::context::{self, Context, Stack};

/// The stack size of a green thread unless [`spawn_with_stack`] says
/// otherwise: roomy enough for `println!`, a panic message and socket I/O.
/// It costs address space, not memory (see [`Stack::new`]).
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;

/// Queues a green thread named `name` that will run `f`. It starts when
/// [`run`] gets to it. Call it before `run` or from inside a green thread.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use ch07_green_threads::green;
///
/// let order = Rc::new(RefCell::new(Vec::new()));
/// for name in ["a", "b"] {
///     let order = order.clone();
///     green::spawn(name, move || {
///         order.borrow_mut().push(format!("{name}1"));
///         green::yield_now();
///         order.borrow_mut().push(format!("{name}2"));
///     })?;
/// }
/// let report = green::run();
/// assert_eq!(*order.borrow(), ["a1", "b1", "a2", "b2"]);
/// assert_eq!(report.finished, 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn spawn(name: impl Into<String>, f: impl FnOnce() + 'static) -> io::Result<()> {
    spawn_with_stack(name, DEFAULT_STACK_SIZE, f)
}

/// [`spawn`] with a stack of `stack_size` bytes (at least
/// [`context::MIN_STACK_SIZE`]).
pub fn spawn_with_stack(
    name: impl Into<String>,
    stack_size: usize,
    f: impl FnOnce() + 'static,
) -> io::Result<()> {
    let mut stack = Stack::new(stack_size)?;
    with_scheduler(|scheduler| {
        // Every thread's context ends in `trampoline`'s return, which resumes
        // `home`: the `run` loop.
        let context = Context::with_entry(&mut stack, trampoline, &scheduler.home)?;
        scheduler.ready.push_back(GreenThread {
            name: name.into(),
            context,
            stack,
            entry: Some(Box::new(f)),
            outcome: None,
        });
        Ok(())
    })
}

/// Gives the CPU to the next ready green thread; returns when this one's
/// turn comes round again. Outside a green thread there is nobody to give
/// it to, so it returns at once.
pub fn yield_now() {
    let switch = with_scheduler(|scheduler| {
        let running = scheduler.running.as_ref()?;
        Some((running.context.as_ptr(), scheduler.home.as_ptr()))
    });
    let Some((me, home)) = switch else {
        return;
    };
    // SAFETY: `me` is this thread's context, in `running` until `run` gets
    // control back, and the scheduler never drops a thread that has not
    // finished. `home` was saved by the `switch` in `run` that started or
    // resumed us and has not been resumed since; it runs on the OS thread's
    // own stack, alive as long as `run` is.
    let switched = unsafe { context::switch(me, home) };
    if let Err(e) = switched {
        // swapcontext fails only if rt_sigprocmask does, which it cannot with
        // the masks glibc passes. If it ever did, going on would be wrong.
        panic!("green thread switch failed: {e}");
    }
}

/// The name of the green thread running now, or `None` outside one.
pub fn current() -> Option<String> {
    with_scheduler(|scheduler| scheduler.running.as_ref().map(|t| t.name.clone()))
}

/// Runs the green threads until none is left (including those they spawn),
/// round-robin: each runs until it yields or finishes, then goes to the back
/// of the line. Returns what became of them.
///
/// A thread that panics is reported, not propagated: the panic is caught on
/// the thread's own stack (it must not unwind into the C frame `makecontext`
/// set up), and the other threads go on.
///
/// # Panics
///
/// If called from inside a green thread (the scheduler is not re-entrant).
pub fn run() -> Report {
    assert!(
        current().is_none(),
        "green::run() called from inside a green thread"
    );
    let mut report = Report::default();
    loop {
        let next = with_scheduler(|scheduler| {
            let thread = scheduler.ready.pop_front()?;
            let to = thread.context.as_ptr();
            scheduler.running = Some(thread);
            Some((scheduler.home.as_ptr(), to))
        });
        let Some((home, to)) = next else {
            return report;
        };
        // SAFETY: `to` is the context of the thread now in `running`: either
        // new from `with_entry` on its own stack, or saved by its last
        // `yield_now` and not resumed since (it left the ready queue only
        // now). Its stack and context stay alive in `running` until it
        // switches back here. Its link, `home`, is the scheduler's, alive for
        // the whole OS thread.
        let switched = unsafe { context::switch(home, to) };
        if let Err(e) = switched {
            panic!("green thread switch failed: {e}");
        }
        // Back on our own stack: the thread yielded, or returned.
        let thread = with_scheduler(|scheduler| scheduler.running.take());
        let Some(mut thread) = thread else {
            unreachable!("only a running thread switches back to run()");
        };
        match thread.outcome.take() {
            None => with_scheduler(|scheduler| scheduler.ready.push_back(thread)),
            Some(outcome) => {
                if let Err(message) = outcome {
                    report.panicked.push(Panicked {
                        name: thread.name.clone(),
                        message,
                    });
                }
                report.finished += 1;
                // Dropping the thread unmaps its stack. That is safe only
                // now: nothing runs on that stack any more.
                drop(thread);
            }
        }
    }
}

/// What became of the green threads of one [`run`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// How many threads ran to their end (panicked ones included).
    pub finished: usize,
    /// The threads that panicked, in the order they did.
    pub panicked: Vec<Panicked>,
}

/// A green thread that panicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    /// The thread's name.
    pub name: String,
    /// The panic message.
    pub message: String,
}

/// The per-OS-thread scheduler state.
struct Scheduler {
    /// Where `run` waits while a green thread runs: every thread switches
    /// back here to yield, and every thread's `uc_link` points here, so a
    /// returning entry function lands here too.
    home: Context,
    /// Threads waiting for their turn, first in line first.
    ready: VecDeque<GreenThread>,
    /// The thread on the CPU; `None` while `run` itself is.
    running: Option<GreenThread>,
}

/// One green thread. It may move around (from the ready queue to `running`
/// and back) while suspended: its registers and its stack live at fixed
/// addresses elsewhere, and it holds only handles to them.
struct GreenThread {
    /// For reports and [`current`].
    name: String,
    /// Its registers while it is not running.
    context: Context,
    /// Its stack. Dropped (unmapped) with the thread, after it finished.
    stack: Stack,
    /// The function to run; taken by `trampoline` when the thread starts.
    entry: Option<Box<dyn FnOnce()>>,
    /// Set by `trampoline` when the function has returned (`Ok`) or
    /// panicked (`Err(message)`): the thread is finished.
    outcome: Option<Result<(), String>>,
}

thread_local! {
    static SCHEDULER: RefCell<Scheduler> = RefCell::new(Scheduler {
        home: Context::new(),
        ready: VecDeque::new(),
        running: None,
    });
}

/// Runs `f` on this OS thread's scheduler.
///
/// The borrow ends when `f` returns, and no `f` switches contexts: a switch
/// inside it would leave the `RefCell` borrowed while other code runs.
fn with_scheduler<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    SCHEDULER.with(|scheduler| f(&mut scheduler.borrow_mut()))
}

/// Where every green thread starts (the `entry` given to `makecontext`).
///
/// It takes no arguments: it asks the scheduler which thread is running and
/// takes that thread's function. When it returns, glibc resumes the
/// context's `uc_link`, the scheduler's `home`.
extern "C" fn trampoline() {
    let entry = with_scheduler(|scheduler| scheduler.running.as_mut()?.entry.take());
    let outcome = match entry {
        // A panic must not unwind out of this function: above it is a frame
        // made by makecontext, which has no unwind information, and unwinding
        // out of an `extern "C"` function aborts the process.
        Some(f) => panic::catch_unwind(AssertUnwindSafe(f)).map_err(panic_message),
        None => Err("started without a function (a scheduler bug)".to_owned()),
    };
    with_scheduler(|scheduler| {
        if let Some(thread) = scheduler.running.as_mut() {
            thread.outcome = Some(outcome);
        }
    });
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

impl fmt::Debug for GreenThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GreenThread")
            .field("name", &self.name)
            .field("stack", &self.stack)
            .field("started", &self.entry.is_none())
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

// Exercise 14-1: an executor in forty lines. See README.md.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::task::Wake;
use std::thread::Thread;
// You will need more: `std::sync::atomic::Ordering`,
// `std::task::{Context, Waker}` and `std::thread`.

/// Indexes of the tasks that are ready to be polled, oldest first.
type Queue = Arc<Mutex<VecDeque<usize>>>;

/// Runs futures to completion on the thread that calls `run`.
pub struct MiniExecutor {
    /// Every task ever spawned, by index; `None` once it is done.
    tasks: Vec<Option<Pin<Box<dyn Future<Output = ()>>>>>,
    /// The waker of each task, by the same index.
    wakers: Vec<Arc<TaskWaker>>,
    /// What to poll next. Wakers push to it, from any thread.
    queue: Queue,
}

/// One task's waker: which task, where to queue it, whom to wake up.
struct TaskWaker {
    index: usize,
    queue: Queue,
    /// The thread in `run`, which parks when the queue is empty.
    runner: Thread,
    /// In the queue and not yet polled: another wake-up adds nothing.
    queued: AtomicBool,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        todo!("unless it is queued already: push the index, unpark the runner")
    }
}

impl MiniExecutor {
    /// An executor with no tasks; `run` must be called on this thread.
    pub fn new() -> MiniExecutor {
        MiniExecutor {
            tasks: Vec::new(),
            wakers: Vec::new(),
            queue: Arc::default(),
        }
    }

    /// Adds `future` as a task, queued for its first poll.
    pub fn spawn(&mut self, future: impl Future<Output = ()> + 'static) {
        todo!("a TaskWaker for index tasks.len(), queue it, keep both")
    }

    /// Polls queued tasks, oldest first, until every task is done. With
    /// nothing queued and tasks still waiting, it parks the thread until a
    /// waker unparks it.
    pub fn run(&mut self) {
        todo!("pop an index (or park), clear its queued flag, poll it once")
    }
}

impl Default for MiniExecutor {
    fn default() -> MiniExecutor {
        MiniExecutor::new()
    }
}

// Debug by hand: futures have no Debug.
impl std::fmt::Debug for MiniExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let live = self.tasks.iter().filter(|t| t.is_some()).count();
        f.debug_struct("MiniExecutor").field("live", &live).finish()
    }
}

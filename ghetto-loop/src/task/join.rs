//! `JoinHandle`: a task's result, and the right to cancel it (chapter 14).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

/// A task's number, unique in the process, in the order tasks were spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    pub(crate) fn next() -> TaskId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TaskId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The number itself.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.0)
    }
}

/// What a `JoinHandle` needs of its task, whatever the task's future type.
pub(crate) trait Join<T> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;
    fn abort(&self);
    fn is_finished(&self) -> bool;
    fn id(&self) -> TaskId;
    fn name(&self) -> Option<&str>;
}

/// The handle of a spawned task: await it for the task's output.
///
/// **Dropping it detaches the task**: the task runs on to its end and its
/// output is dropped. tokio does the same, because a task is often spawned
/// to outlive its spawner (a connection handler, a background flush), and
/// forgetting a handle should not silently stop work. async-task (and smol)
/// choose the other way: dropping its `Task` cancels, and you `detach()` on
/// purpose. That is safer against leaks, and chapter 18's task groups get
/// the same safety back here by owning their children.
///
/// ```
/// use ghetto_loop::task;
///
/// ghetto_loop::run(async {
///     let handle = task::spawn(async { "done" });
///     assert_eq!(handle.await.unwrap(), "done");
///
///     let stuck = task::spawn(std::future::pending::<()>());
///     stuck.abort();
///     assert!(stuck.await.unwrap_err().is_cancelled());
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct JoinHandle<T> {
    task: Rc<dyn Join<T>>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: Rc<dyn Join<T>>) -> JoinHandle<T> {
        JoinHandle { task }
    }

    /// Whether the task is over: completed, panicked or cancelled.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Cancels the task: its future is dropped on the loop at the task's
    /// next turn (its destructors run there), and awaiting this handle then
    /// gives a [`JoinError`] that `is_cancelled`. A task that finished
    /// first keeps its result. Aborting twice is the same as once.
    ///
    /// What a drop halfway loses is up to the future: whatever it was in
    /// the middle of is abandoned at its last `.await`.
    pub fn abort(&self) {
        self.task.abort();
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task.id()
    }

    /// The task's name, if it was spawned with one.
    pub fn name(&self) -> Option<&str> {
        self.task.name()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    /// # Cancel safety
    ///
    /// Dropping the `JoinHandle` future halfway (say, in a `select`) only
    /// stops waiting: the task goes on, detached, and its output is lost.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.task.poll_join(cx)
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Why a task gave no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinError {
    id: TaskId,
    /// `None`: cancelled; `Some(message)`: panicked.
    panic: Option<String>,
}

impl JoinError {
    pub(crate) fn cancelled(id: TaskId) -> JoinError {
        JoinError { id, panic: None }
    }

    pub(crate) fn panicked(id: TaskId, message: String) -> JoinError {
        JoinError {
            id,
            panic: Some(message),
        }
    }

    /// The task was aborted, or its loop closed before it finished.
    pub fn is_cancelled(&self) -> bool {
        self.panic.is_none()
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        self.panic.is_some()
    }

    /// The panic's message, if the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        self.panic.as_deref()
    }

    /// Which task.
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.panic {
            None => write!(f, "{} was cancelled", self.id),
            Some(message) => write!(f, "{} panicked: {message}", self.id),
        }
    }
}

impl std::error::Error for JoinError {}

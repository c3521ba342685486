//! Task groups: spawn children that cannot outlive their scope (chapter 18).
//!
//! `spawn` on its own starts work that nobody is obliged to wait for: the
//! task runs on after its spawner returned, failed or was cancelled, and
//! its errors go nowhere. A task group (asyncio's `TaskGroup`, trio's
//! nursery) puts a boundary around children:
//!
//! * [`group`] returns only when **every child has finished**;
//! * the **first failure cancels the others** (and the body), so nothing
//!   runs on for a result that will be thrown away;
//! * **every error is reported**, each with the child's name, in one
//!   [`GroupError`]; a child's panic is one of them;
//! * **cancelling the group cancels every child**: dropping the group's
//!   future (a `timeout` around it, a parent group failing) aborts them all,
//!   and a nested group inside a child passes that on to its own children.
//!
//! # Why children are `'static`
//!
//! A child may not borrow from the code that made the group: it is a task
//! of its own on the loop, and Rust cannot prove that the group is awaited
//! to its end. A future can be dropped, or `mem::forget`-ed, halfway, and
//! a forgotten scope never joins its children while they still point into
//! its stack. That is the "scoped task trilemma" (withoutboats): of
//! concurrency (the parent runs while its children do), parallelizability
//! (children run on their own, as tasks) and borrowing, safe Rust can have
//! two. Here, as in tokio's `JoinSet`, children are `'static` tasks and
//! share data through `Rc`.
//!
//! # Why cancellation is drop
//!
//! Rust has no exception to throw into a task. Cancelling a child is
//! `JoinHandle::abort`: its future is dropped on the loop at its next turn,
//! and its destructors run (sockets closed, permits given back). A drop
//! cannot be caught or swallowed, so nested groups need no bookkeeping to
//! tell their own cancellation from a parent's (asyncio's `TaskGroup` needs
//! `Task.uncancel()`, added in 3.11, for exactly that).
//!
//! ```
//! use ghetto_loop::scope::group;
//! use ghetto_loop::time::sleep;
//! use std::time::Duration;
//!
//! let err = ghetto_loop::run(group(|g| async move {
//!     g.spawn("slow", async {
//!         sleep(Duration::from_secs(60)).await; // cancelled by the failure
//!         Ok(())
//!     });
//!     g.spawn("broken", async { Err("no route to host".into()) });
//!     Ok(())
//! }))?
//! .unwrap_err();
//! assert_eq!(err.to_string(), "1 child of the task group failed: broken: no route to host");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::LoopHandle;
use crate::task::JoinHandle;

/// What a child (or the body) fails with.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// A child's result.
type ChildResult = Result<(), BoxError>;

/// The handle the body and the children use to spawn more children.
/// Clones share one group.
#[derive(Clone)]
pub struct TaskGroup {
    state: Rc<RefCell<State>>,
}

/// The group's children and what has gone wrong.
///
/// Invariant: once `cancelled`, every child in `running` has been aborted,
/// and `spawn` refuses new ones.
struct State {
    lp: LoopHandle,
    /// Children not yet seen to finish, with their names.
    running: Vec<(String, JoinHandle<ChildResult>)>,
    /// Every failure so far, in the order they were seen.
    errors: Vec<ChildError>,
    /// A failure happened, or the group was dropped: no new children.
    cancelled: bool,
    /// The group's own task, woken when a child is spawned (the new handle
    /// must be polled so the group hears when it ends).
    waker: Option<Waker>,
}

/// Runs `body` with a [`TaskGroup`], then waits for every child it (or a
/// child) spawned. Returns the body's output, or every error.
///
/// # Cancel safety
///
/// Dropping the returned future halfway cancels the body and every child
/// (each is dropped on the loop at its next turn); nothing keeps running.
pub async fn group<T, B, F>(body: B) -> Result<T, GroupError>
where
    B: FnOnce(TaskGroup) -> F,
    F: Future<Output = Result<T, BoxError>>,
{
    let g = TaskGroup {
        state: Rc::new(RefCell::new(State {
            lp: LoopHandle::current(),
            running: Vec::new(),
            errors: Vec::new(),
            cancelled: false,
            waker: None,
        })),
    };
    // Whatever way this future ends, no child outlives it.
    let _guard = CancelOnDrop(g.clone());
    let mut body = pin!(Some(body(g.clone())));
    let mut output = None;
    poll_fn(|cx| {
        g.state.borrow_mut().waker = Some(cx.waker().clone());
        if let Some(future) = body.as_mut().as_pin_mut()
            && let Poll::Ready(result) = future.poll(cx)
        {
            body.set(None);
            match result {
                Ok(value) => output = Some(value),
                Err(error) => g.fail("body", error),
            }
        }
        if g.state.borrow().cancelled {
            // A failure cancels the body too.
            body.set(None);
        }
        let children_done = g.poll_children(cx);
        if children_done && body.is_none() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let errors = std::mem::take(&mut g.state.borrow_mut().errors);
    match output {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(GroupError { errors }),
    }
}

impl TaskGroup {
    /// Spawns `child`, called `name`, into the group. Inside it, `?` turns
    /// any error into the [`BoxError`] the group reports.
    ///
    /// # Panics
    ///
    /// If the group is over or cancelled: a handle that outlived its group
    /// is a bug in the program, and a child spawned then would run unowned.
    #[track_caller]
    pub fn spawn<F>(&self, name: impl Into<String>, child: F)
    where
        F: Future<Output = Result<(), BoxError>> + 'static,
    {
        let name = name.into();
        let (handle, waker) = {
            let state = self.state.borrow();
            assert!(
                !state.cancelled,
                "TaskGroup::spawn({name:?}): the group is cancelled or over; its children may not outlive it"
            );
            (
                state.lp.spawn_named(name.clone(), child),
                state.waker.clone(),
            )
        };
        self.state.borrow_mut().running.push((name, handle));
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// How many children are still running.
    pub fn running(&self) -> usize {
        self.state.borrow().running.len()
    }

    /// Polls every running child's handle; records failures (the first one
    /// cancels the rest). Returns whether none is left. Every handle is
    /// polled on every wake-up of the group: O(children), fine for a group
    /// of tens; tokio's `JoinSet` keeps a list of the ones that woke.
    fn poll_children(&self, cx: &mut Context<'_>) -> bool {
        let mut running = std::mem::take(&mut self.state.borrow_mut().running);
        running.retain_mut(|(name, handle)| match std::pin::Pin::new(handle).poll(cx) {
            Poll::Pending => true,
            Poll::Ready(Ok(Ok(()))) => false,
            Poll::Ready(Ok(Err(error))) => {
                self.fail(name, error);
                false
            }
            // Cancelled because a sibling failed: not an error of its own.
            Poll::Ready(Err(e)) if e.is_cancelled() => false,
            Poll::Ready(Err(e)) => {
                let message = e.panic_message().unwrap_or("panicked").to_owned();
                self.fail(name, format!("panicked: {message}").into());
                false
            }
        });
        let mut state = self.state.borrow_mut();
        // Children spawned during the polls above were pushed meanwhile.
        running.append(&mut state.running);
        state.running = running;
        if state.cancelled {
            for (_, handle) in &state.running {
                handle.abort();
            }
        }
        state.running.is_empty()
    }

    /// Records a failure and cancels every child.
    fn fail(&self, name: &str, error: BoxError) {
        let mut state = self.state.borrow_mut();
        state.errors.push(ChildError {
            name: name.to_owned(),
            error,
        });
        state.cancelled = true;
        for (_, handle) in &state.running {
            handle.abort();
        }
    }
}

/// Aborts every child when the group's future is dropped, however it ends.
struct CancelOnDrop(TaskGroup);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let running = {
            let mut state = self.0.state.borrow_mut();
            state.cancelled = true;
            state.waker = None;
            std::mem::take(&mut state.running)
        };
        for (_, handle) in &running {
            handle.abort();
        }
    }
}

/// One failure of a group: which child, and what.
#[derive(Debug)]
pub struct ChildError {
    name: String,
    error: BoxError,
}

impl ChildError {
    /// The child's name (`"body"` for the group's body).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it failed with.
    pub fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.error
    }
}

/// Every failure of a group, in the order they happened. A group whose body
/// was cancelled by a child's failure has no output, so this is returned
/// even if only a child failed.
#[derive(Debug)]
pub struct GroupError {
    errors: Vec<ChildError>,
}

impl GroupError {
    /// The failures.
    pub fn errors(&self) -> &[ChildError] {
        &self.errors
    }
}

impl fmt::Display for GroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "{n} {} of the task group failed",
            if n == 1 { "child" } else { "children" }
        )?;
        for (i, e) in self.errors.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(f, "{sep}{}: {}", e.name, e.error)?;
        }
        Ok(())
    }
}

impl Error for GroupError {}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("TaskGroup")
            .field("running", &state.running.len())
            .field("errors", &state.errors.len())
            .field("cancelled", &state.cancelled)
            .finish()
    }
}

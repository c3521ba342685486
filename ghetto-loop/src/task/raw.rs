//! The task itself: a future, its result, and its place in the ready queue
//! (chapter 14).
//!
//! One `Rc<Task<F>>` is shared by the loop's table (while the task lives),
//! the ready queue (while it is queued) and the `JoinHandle` (until it is
//! dropped). Its `stage` moves one way: `Running` -> `Finished` -> `Joined`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::join::{Join, JoinError, JoinHandle, TaskId};
use crate::event_loop::{LoopHandle, Report, Runnable, TaskKey, panic_message};

/// A spawned future and everything the loop knows about it.
pub(crate) struct Task<F: Future> {
    id: TaskId,
    /// Its slot in the loop's table; `TaskKey::NONE` if the loop was closed.
    key: TaskKey,
    name: Option<Box<str>>,
    spawned_at: &'static Location<'static>,
    lp: LoopHandle,
    stage: RefCell<Stage<F>>,
    /// `abort()` was called: drop the future on its next turn.
    abort_requested: Cell<bool>,
    /// The waker of whoever awaits the `JoinHandle`.
    join_waker: Cell<Option<Waker>>,
}

/// Where a task is in its life.
enum Stage<F: Future> {
    /// The future, boxed so it stays pinned where it is. (tokio and
    /// async-task keep it in the task's own allocation, which takes unsafe
    /// pin projections; a second allocation keeps this layer safe code.)
    Running(Pin<Box<F>>),
    /// The future is gone (completed, panicked or aborted); this is what
    /// the `JoinHandle` will get.
    Finished(Result<F::Output, JoinError>),
    /// The `JoinHandle` took the result.
    Joined,
}

/// Spawns `future` on `lp`; the functions in `task/mod.rs` call this.
pub(crate) fn spawn<F>(
    lp: &LoopHandle,
    name: Option<String>,
    spawned_at: &'static Location<'static>,
    future: F,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let id = TaskId::next();
    let name = name.map(String::into_boxed_str);
    let make = |key, name, stage| Task {
        id,
        key,
        name,
        spawned_at,
        lp: lp.clone(),
        stage: RefCell::new(stage),
        abort_requested: Cell::new(false),
        join_waker: Cell::new(None),
    };
    // Taken by whichever of the two paths below builds the task.
    let mut parts = Some((name, future));
    let task = lp.insert_task(|key| {
        let (name, future) = parts.take().expect("insert_task calls this once");
        Rc::new(make(key, name, Stage::Running(Box::pin(future))))
    });
    let task = match (task, parts) {
        (Some(task), _) => task,
        // The loop is closed: nothing will ever run the future, so it is
        // dropped now and the handle says "cancelled".
        (None, parts) => {
            let (name, future) = parts.expect("not taken: insert_task did not call back");
            drop(future);
            let stage = Stage::Finished(Err(JoinError::cancelled(id)));
            Rc::new(make(TaskKey::NONE, name, stage))
        }
    };
    JoinHandle::new(task)
}

impl<F: Future> Task<F> {
    /// The future is done (or dropped): keep its result, drop it, leave the
    /// table, and wake whoever awaits the `JoinHandle`.
    fn finish(&self, result: Result<F::Output, JoinError>) {
        let old = self.stage.replace(Stage::Finished(result));
        // The future's destructors run here, with nothing borrowed.
        drop(old);
        self.lp.remove_task(self.key);
        if let Some(waker) = self.join_waker.take() {
            waker.wake();
        }
    }

    fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} ({name})", self.id),
            None => self.id.to_string(),
        }
    }
}

impl<F: Future + 'static> Runnable for Task<F> {
    /// Polls the future once.
    fn run(self: Rc<Self>) {
        // `None`: aborted and removed since it was queued.
        let Some(waker) = self.lp.begin_poll(self.key) else {
            return;
        };
        if self.abort_requested.get() {
            return self.finish(Err(JoinError::cancelled(self.id)));
        }
        let mut cx = Context::from_waker(&waker);
        let outcome = {
            let mut stage = self.stage.borrow_mut();
            let Stage::Running(future) = &mut *stage else {
                return;
            };
            // AssertUnwindSafe: after a panic the future is never polled
            // again, only dropped.
            panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)))
        };
        match outcome {
            // The fault layer (off unless asked for) may poll it again for
            // nothing: a future must survive a wake-up that meant nothing.
            Ok(Poll::Pending) if crate::sys::fault::spurious_wake() => waker.wake_by_ref(),
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(output)) => self.finish(Ok(output)),
            Err(payload) => {
                let message = panic_message(&*payload);
                self.lp.report(Report::Panicked {
                    what: self.label(),
                    scheduled_at: self.spawned_at,
                    message: message.clone(),
                });
                self.finish(Err(JoinError::panicked(self.id, message)));
            }
        }
    }

    fn location(&self) -> &'static Location<'static> {
        self.spawned_at
    }

    fn describe(&self) -> String {
        self.label()
    }

    /// The loop is closing: drop the future now, so its destructors run
    /// even if a `JoinHandle` keeps this task alive.
    fn shut_down(&self) {
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            return;
        };
        if matches!(*stage, Stage::Running(_)) {
            let old = std::mem::replace(
                &mut *stage,
                Stage::Finished(Err(JoinError::cancelled(self.id))),
            );
            drop(stage);
            drop(old);
        }
    }
}

impl<F: Future + 'static> Join<F::Output> for Task<F> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        let Ok(mut stage) = self.stage.try_borrow_mut() else {
            // Borrowed: this very task is being polled, and awaits itself.
            panic!(
                "{} awaited its own JoinHandle, which can never finish",
                self.label()
            );
        };
        if matches!(*stage, Stage::Running(_)) {
            drop(stage);
            // The old waker (if any) is dropped here, unborrowed.
            drop(self.join_waker.replace(Some(cx.waker().clone())));
            return Poll::Pending;
        }
        match std::mem::replace(&mut *stage, Stage::Joined) {
            Stage::Finished(result) => Poll::Ready(result),
            _ => panic!("a JoinHandle was polled after it returned its result"),
        }
    }

    fn abort(&self) {
        if !self.is_finished() {
            self.abort_requested.set(true);
            self.lp.wake_task(self.key);
        }
    }

    fn is_finished(&self) -> bool {
        // Borrowed means being polled right now: not finished.
        self.stage
            .try_borrow()
            .is_ok_and(|stage| !matches!(*stage, Stage::Running(_)))
    }

    fn id(&self) -> TaskId {
        self.id
    }

    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

//! `block_on` and `run`: run the loop until one future is done (chapter 14).
//!
//! The future given to `block_on` is not spawned: it lives on the caller's
//! stack (so it may borrow), and the loop polls it between passes whenever
//! its waker was called. Its waker is an ordinary task waker: a small
//! runnable in the table whose only job, when run, is to say "poll the main
//! future again".

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::event_loop::{EventLoop, LoopHandle, Runnable, TaskKey};

/// Runs `future` to completion on a new loop (on the selector
/// `GHETTO_SELECTOR` names), then closes the loop: tasks still running are
/// dropped. The `#[tokio::main]` of this runtime.
///
/// ```
/// let answer = ghetto_loop::run(async { 6 * 7 })?;
/// assert_eq!(answer, 42);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn run<F: Future>(future: F) -> io::Result<F::Output> {
    EventLoop::new()?.block_on(future)
}

/// The main future's entry in the table.
struct Main {
    key: Cell<TaskKey>,
    lp: LoopHandle,
    /// Its waker was called since the last poll.
    woken: Cell<bool>,
    created_at: &'static Location<'static>,
}

impl Runnable for Main {
    fn run(self: Rc<Self>) {
        if self.lp.begin_poll(self.key.get()).is_some() {
            self.woken.set(true);
        }
    }

    fn location(&self) -> &'static Location<'static> {
        self.created_at
    }

    fn describe(&self) -> String {
        "the block_on future".into()
    }
}

/// Takes the main future's entry out of the table, however `block_on` ends.
struct RemoveOnDrop<'a>(&'a LoopHandle, TaskKey);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        self.0.remove_task(self.1);
    }
}

impl EventLoop {
    /// Runs the loop until `future` is done, and returns its output. Tasks
    /// spawned meanwhile run too; those not finished when it returns stay
    /// on the loop, for the next `block_on` or until the loop is dropped.
    ///
    /// `stop()` does not end it: only the future does.
    ///
    /// Errors: the loop is closed or already running, the selector failed,
    /// or the loop would wait forever (nothing queued, no timer, no fd, no
    /// `Remote`, and no task's waker held anywhere: nothing could ever make
    /// the future ready). A panic in `future` itself is not caught: it
    /// unwinds out of `block_on`, as in tokio.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> io::Result<F::Output> {
        let lp = self.handle();
        let called_at = Location::caller();
        let _running = lp.enter()?;
        let main = lp
            .insert_task(|key| {
                Rc::new(Main {
                    key: Cell::new(key),
                    lp: lp.clone(),
                    woken: Cell::new(false),
                    created_at: called_at,
                })
            })
            .ok_or_else(|| io::Error::other("block_on: the event loop is closed"))?;
        let _remove = RemoveOnDrop(&lp, main.key.get());
        let mut future = pin!(future);
        // Inserting queued it; its first run will ask for the first poll.
        loop {
            if main.woken.replace(false) {
                let Some(waker) = lp.begin_poll(main.key.get()) else {
                    return Err(io::Error::other("block_on: the event loop was closed"));
                };
                let started = lp.start_timing();
                let poll = future.as_mut().poll(&mut Context::from_waker(&waker));
                lp.finish_timing(started, || main.describe(), main.created_at);
                if let Poll::Ready(output) = poll {
                    return Ok(output);
                }
            }
            lp.run_pass()?;
            lp.clear_stop();
        }
    }
}

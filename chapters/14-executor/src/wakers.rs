//! Wakers: one sent to another thread, and one called three times before
//! its task runs (chapter 14).
//!
//! A task's waker holds the task's key in the loop's table and the loop's
//! door, not the task: the task is an `Rc`, which must stay on the loop's
//! thread, while a waker may go anywhere. Called on the loop's thread, it
//! queues the task directly; called anywhere else, it leaves the key at the
//! door and rings the loop's doorbell (an eventfd).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use course::Timeline;
use ghetto_loop::task;

/// A future that sends its waker to a thread on its first poll, and is
/// ready once that thread has set `done`.
///
/// Sending the waker once is enough here, because the thread keeps a waker
/// of this very task until it calls it. A future that can move between
/// tasks (say, inside a `select`) keeps the waker of its latest poll
/// instead, as `CallbackFuture` does.
#[derive(Debug)]
pub struct WaitForThread {
    /// Taken on the first poll.
    send_waker: Option<mpsc::Sender<Waker>>,
    /// Set by the thread before it wakes the task.
    done: Arc<AtomicBool>,
}

impl WaitForThread {
    /// The future, and the two ends the thread needs: where the waker
    /// arrives, and the flag to set.
    pub fn new() -> (WaitForThread, mpsc::Receiver<Waker>, Arc<AtomicBool>) {
        let (tx, rx) = mpsc::channel();
        let done = Arc::new(AtomicBool::new(false));
        let future = WaitForThread {
            send_waker: Some(tx),
            done: done.clone(),
        };
        (future, rx, done)
    }
}

impl Future for WaitForThread {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Acquire pairs with the thread's Release: what it did before
        // setting the flag is visible here.
        if self.done.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        if let Some(tx) = self.send_waker.take() {
            // A thread that already hung up cannot wake us; the task would
            // wait forever, and the loop says so (block_on fails).
            let _ = tx.send(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Parks a task on [`WaitForThread`] and lets a thread wake it after
/// `work` (a prop: the thread's "work" is a sleep). Returns how many times
/// the task's future was polled (2: parked, then done).
pub async fn wake_from_thread(timeline: &Timeline, work: Duration) -> anyhow::Result<u32> {
    let (future, wakers, done) = WaitForThread::new();
    let polls = Rc::new(Cell::new(0));
    let (t, counter) = (timeline.clone(), polls.clone());
    let parked = task::spawn_named("parked", async move {
        t.log(
            "parked",
            "polled: sends its waker to a thread, returns Pending",
        );
        Counted::new(future, counter).await;
        t.log("parked", "polled again after the thread's wake(): done");
    });
    let t = timeline.clone();
    let worker = thread::spawn(move || -> anyhow::Result<()> {
        let waker = wakers.recv().context("the task never sent its waker")?;
        t.log("thread", format!("got the waker; works for {work:?}"));
        thread::sleep(work);
        done.store(true, Ordering::Release);
        t.log("thread", "calls wake() from its own thread");
        waker.wake();
        Ok(())
    });
    parked.await?;
    worker
        .join()
        .map_err(|_| anyhow!("the waking thread panicked"))??;
    Ok(polls.get())
}

/// A future that parks (keeping its waker in `slot`) on every poll until
/// `release` is set.
#[derive(Debug)]
pub struct Parked {
    slot: Rc<RefCell<Option<Waker>>>,
    release: Rc<Cell<bool>>,
}

impl Parked {
    /// A new one; after each poll its waker is in `slot`.
    pub fn new(slot: Rc<RefCell<Option<Waker>>>, release: Rc<Cell<bool>>) -> Parked {
        Parked { slot, release }
    }
}

impl Future for Parked {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.release.get() {
            return Poll::Ready(());
        }
        *self.slot.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Parks a task, calls its waker `wakes` times in a row, and gives the loop
/// a few turns. Returns how many times the task was polled after the
/// wake-ups (1: it was queued once), then releases it.
pub async fn woken_many_times(timeline: &Timeline, wakes: u32) -> anyhow::Result<u32> {
    let slot = Rc::new(RefCell::new(None));
    let release = Rc::new(Cell::new(false));
    let polls = Rc::new(Cell::new(0));
    let parked = Parked::new(slot.clone(), release.clone());
    let handle = task::spawn(Counted::new(parked, polls.clone()));
    // Passes of the loop until the task has been polled once and parked.
    while polls.get() == 0 {
        task::yield_now().await;
    }
    timeline.log("main", "the task was polled once and parked");
    let waker = slot.take().context("the task left no waker")?;
    for _ in 0..wakes {
        waker.wake_by_ref();
    }
    timeline.log("main", format!("called its waker {wakes} times in a row"));
    // Passes enough for the task to be polled as often as it was queued.
    for _ in 0..3 {
        task::yield_now().await;
    }
    let after = polls.get() - 1;
    timeline.log(
        "main",
        format!("{wakes} wake-ups, {after} poll: a queued task is not queued again"),
    );
    release.set(true);
    waker.wake();
    handle.await?;
    Ok(after)
}

/// Wraps a future and counts its polls into a shared cell.
#[derive(Debug)]
pub struct Counted<F> {
    inner: Pin<Box<F>>,
    polls: Rc<Cell<u32>>,
}

impl<F> Counted<F> {
    /// Counts the polls of `inner` into `polls`.
    pub fn new(inner: F, polls: Rc<Cell<u32>>) -> Counted<F> {
        Counted {
            inner: Box::pin(inner),
            polls,
        }
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

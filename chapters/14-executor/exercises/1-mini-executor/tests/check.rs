//! The specification of exercise 14-1: do not edit; make it pass.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use course::testing::PATIENCE;
use ex14_1_mini_executor::MiniExecutor;

/// Builds an executor on a thread of its own, lets `setup` spawn tasks,
/// and runs it. Fails the test if `run` has not returned after 10 s (a
/// task that is never polled again would otherwise hang it).
fn run_within_10_s(setup: impl FnOnce(&mut MiniExecutor) + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let runner = thread::spawn(move || {
        let mut executor = MiniExecutor::new();
        setup(&mut executor);
        executor.run();
        let _ = done.send(());
    });
    match finished.recv_timeout(PATIENCE) {
        Ok(()) => runner.join().unwrap(),
        // The runner panicked: pass its panic on.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(runner.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("run() did not return within 10 s: is a woken task never polled again?")
        }
    }
}

/// Gives the executor back once: queues itself again, returns Pending.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn yield_once() -> YieldOnce {
    YieldOnce(false)
}

type Log = Arc<Mutex<Vec<String>>>;

#[test]
fn tasks_that_yield_take_turns_in_fifo_order() {
    let log = Log::default();
    let seen = log.clone();
    run_within_10_s(move |ex| {
        for name in ["a", "b", "c"] {
            let log = log.clone();
            ex.spawn(async move {
                for step in 1..=3 {
                    log.lock().unwrap().push(format!("{name}{step}"));
                    yield_once().await;
                }
            });
        }
    });
    let got = seen.lock().unwrap().join(" ");
    assert_eq!(got, "a1 b1 c1 a2 b2 c2 a3 b3 c3");
}

/// Sends its waker to a thread on the first poll; ready once `done` is set.
struct WaitForThread {
    send: Option<mpsc::Sender<Waker>>,
    done: Arc<AtomicBool>,
}

impl Future for WaitForThread {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        if let Some(send) = self.send.take() {
            send.send(cx.waker().clone()).unwrap();
        }
        Poll::Pending
    }
}

#[test]
fn a_task_woken_from_another_thread_is_polled_again() {
    let (send, wakers) = mpsc::channel::<Waker>();
    let done = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let waker_thread = {
        let done = done.clone();
        thread::spawn(move || {
            // Waits for the task to park, then wakes it: no sleep needed.
            let waker = wakers.recv().expect("the task sends its waker");
            done.store(true, Ordering::Release);
            waker.wake();
        })
    };
    let flag = finished.clone();
    run_within_10_s(move |ex| {
        ex.spawn(async move {
            WaitForThread {
                send: Some(send),
                done,
            }
            .await;
            flag.store(true, Ordering::SeqCst);
        });
    });
    waker_thread.join().unwrap();
    assert!(finished.load(Ordering::SeqCst));
}

#[test]
fn run_parks_while_every_task_waits() {
    /// CPU time this thread has used so far (`getrusage(RUSAGE_THREAD)`).
    fn cpu() -> Duration {
        ghetto_loop::sys::CpuTime::this_thread()
            .expect("getrusage")
            .total()
    }
    let (send, wakers) = mpsc::channel::<Waker>();
    let done = Arc::new(AtomicBool::new(false));
    let waker_thread = {
        let done = done.clone();
        thread::spawn(move || {
            let waker = wakers.recv().expect("the task sends its waker");
            // Half a second in which the runner has nothing to do. Pacing,
            // not synchronisation: the wake comes whenever this ends.
            thread::sleep(Duration::from_millis(500));
            done.store(true, Ordering::Release);
            waker.wake();
        })
    };
    let used = Arc::new(Mutex::new(None));
    let report = used.clone();
    run_within_10_s(move |ex| {
        // The task runs on the runner's thread, as does this setup.
        let start = cpu();
        ex.spawn(async move {
            WaitForThread {
                send: Some(send),
                done,
            }
            .await;
            *report.lock().unwrap() = Some(cpu() - start);
        });
    });
    waker_thread.join().unwrap();
    let used = used.lock().unwrap().expect("the task finished");
    assert!(
        // A parked runner uses next to none; a spinning one all it is
        // given, which on a busy machine may be a fraction of the wait.
        used < Duration::from_millis(30),
        "{used:?} of CPU to wait half a second: does run() spin instead of parking?"
    );
}

/// Counts its polls; parks (leaving its waker) until `release` is set.
struct Parked {
    polls: Arc<AtomicU32>,
    waker: Arc<Mutex<Option<Waker>>>,
    release: Arc<AtomicBool>,
}

impl Future for Parked {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        if self.release.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        *self.waker.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn a_task_woken_twice_before_it_runs_is_polled_once() {
    let polls = Arc::new(AtomicU32::new(0));
    let seen = polls.clone();
    run_within_10_s(move |ex| {
        let waker = Arc::new(Mutex::new(None::<Waker>));
        let release = Arc::new(AtomicBool::new(false));
        ex.spawn(Parked {
            polls,
            waker: waker.clone(),
            release: release.clone(),
        });
        // Runs after the first poll of Parked.
        ex.spawn(async move {
            let parked = waker.lock().unwrap().take().expect("Parked ran first");
            parked.wake_by_ref();
            parked.wake_by_ref();
            // Parked runs once here (poll 2), and must not run twice.
            yield_once().await;
            release.store(true, Ordering::SeqCst);
            parked.wake(); // poll 3: done
        });
    });
    assert_eq!(seen.load(Ordering::SeqCst), 3, "polls of the parked task");
}

#[test]
fn run_returns_once_every_task_is_done() {
    let done = Arc::new(AtomicU32::new(0));
    let count = done.clone();
    run_within_10_s(move |ex| {
        for yields in 0..5 {
            let done = done.clone();
            ex.spawn(async move {
                for _ in 0..yields {
                    yield_once().await;
                }
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    assert_eq!(count.load(Ordering::SeqCst), 5);
}

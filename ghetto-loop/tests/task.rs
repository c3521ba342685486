//! The task layer's promises (chapter 14), each on all three selectors:
//! spawn and join, abort, detach, panics, the waker's rules (polled once
//! however often woken, nothing for a finished task, another thread's wake
//! goes through the door), no allocation per wake-up, and a closing loop
//! that drops every future it still holds.

mod util;

use std::cell::{Cell, RefCell};
use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};

use ghetto_loop::event_loop::{EventLoop, Report};
use ghetto_loop::task::{self, JoinHandle};
use util::{Drops, PATIENCE, allocations, conformance, record_reports};

#[global_allocator]
static ALLOCATOR: util::CountingAllocator = util::CountingAllocator;

/// A future that counts its polls and, on its first poll, calls its own
/// waker `wakes` times before saying `Pending`; ready on its second poll.
struct WakesItself {
    wakes: u32,
    polls: Rc<Cell<u32>>,
}

impl Future for WakesItself {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if self.polls.get() > 1 {
            return Poll::Ready(());
        }
        for _ in 0..self.wakes {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// The waker a task was polled with, caught on its way out.
fn catch_waker(slot: Rc<RefCell<Option<Waker>>>) -> impl Future<Output = ()> {
    let mut parked = false;
    poll_fn(move |cx| {
        if parked {
            return Poll::Ready(());
        }
        parked = true;
        *slot.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
}

#[test]
fn a_waker_is_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Waker>();
}

conformance! {
    /// Spawned tasks run, and their outputs come back through their handles.
    fn spawn_and_join(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let sum = lp.block_on(async {
            let handles: Vec<JoinHandle<u32>> = (1..=10).map(|i| task::spawn(async move { i })).collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.expect("not cancelled, not panicked");
            }
            sum
        })?;
        assert_eq!(sum, 55);
        Ok(())
    }

    /// `abort` drops the future on the loop, at the task's next turn: its
    /// destructors run, the handle says cancelled. A task that finished
    /// first keeps its result.
    fn abort_drops_the_future_at_its_next_turn(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let drops = Drops::default();
        let guard = drops.guard();
        let stuck = lp.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let done = lp.spawn(async { 7 });
        lp.run_once()?;
        assert_eq!(drops.count(), 0, "still running");
        stuck.abort();
        assert_eq!(drops.count(), 0, "dropped on the loop, not inside abort()");
        assert!(!stuck.is_finished());
        lp.run_once()?;
        assert_eq!(drops.count(), 1, "dropped at its next turn");
        assert!(stuck.is_finished());
        done.abort();
        let (stuck, done) = lp.block_on(async { (stuck.await, done.await) })?;
        let err = stuck.unwrap_err();
        assert!(err.is_cancelled() && !err.is_panic(), "{err}");
        assert!(err.to_string().contains("was cancelled"), "{err}");
        assert_eq!(done.expect("finished before the abort"), 7);
        Ok(())
    }

    /// Dropping the handle detaches: the task runs to its end.
    fn dropping_the_handle_detaches(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let ran = Rc::new(Cell::new(false));
        let flag = ran.clone();
        drop(lp.spawn(async move {
            task::yield_now().await;
            flag.set(true);
        }));
        lp.block_on(async {
            for _ in 0..3 {
                task::yield_now().await;
            }
        })?;
        assert!(ran.get());
        Ok(())
    }

    /// A task that panics is reported with its id, name and spawn site; its
    /// handle gets the message; the other tasks go on.
    fn a_panicking_task_is_reported_and_the_others_go_on(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let reports = record_reports(&lp);
        let line = line!() + 1;
        let bad = lp.spawn_named("doomed", async { panic!("boom at step 3") });
        let good = lp.spawn(async {
            task::yield_now().await;
            "still here"
        });
        let (bad, good) = lp.block_on(async { (bad.await, good.await) })?;
        let err = bad.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.panic_message(), Some("boom at step 3"));
        assert_eq!(good.unwrap(), "still here");
        let reports = reports.borrow();
        let [Report::Panicked { what, scheduled_at, message }] = &reports[..] else {
            panic!("one panic report expected, got {reports:?}");
        };
        assert_eq!(what, &format!("{} (doomed)", err.id()));
        assert_eq!((scheduled_at.file(), scheduled_at.line()), (file!(), line));
        assert_eq!(message, "boom at step 3");
        Ok(())
    }

    /// Woken three times before it runs again, a task is polled once.
    fn woken_many_times_polled_once(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let polls = Rc::new(Cell::new(0));
        let task = lp.spawn(WakesItself { wakes: 3, polls: polls.clone() });
        lp.block_on(task)?.unwrap();
        assert_eq!(polls.get(), 2, "one poll to park, one after the wake-ups");
        Ok(())
    }

    /// Waking a finished task does nothing: no poll, no panic, nothing run.
    fn waking_a_finished_task_does_nothing(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let slot = Rc::new(RefCell::new(None));
        let task = lp.spawn(catch_waker(slot.clone()));
        lp.run_once()?;
        let waker = slot.borrow_mut().take().expect("polled once");
        waker.wake_by_ref();
        lp.block_on(task)?.unwrap();
        let ran = lp.stats().ran;
        waker.wake_by_ref();
        std::thread::spawn(move || waker.wake()).join().unwrap();
        lp.block_on(task::yield_now())?;
        assert_eq!(lp.stats().ran - ran, 2, "only the yield's two turns ran");
        Ok(())
    }

    /// A waker sent to another thread wakes a task parked with nothing else
    /// to wake the loop: the wake goes through the loop's door and doorbell.
    fn a_waker_from_another_thread_wakes_a_parked_task(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let (to_thread, from_loop) = mpsc::channel::<Waker>();
        let thread = std::thread::spawn(move || {
            let waker = from_loop.recv_timeout(PATIENCE).expect("the task sends its waker");
            waker.wake();
        });
        let polls = Rc::new(Cell::new(0));
        let counted = polls.clone();
        let mut sent = false;
        lp.block_on(poll_fn(move |cx| {
            counted.set(counted.get() + 1);
            if sent {
                return Poll::Ready(());
            }
            sent = true;
            to_thread.send(cx.waker().clone()).expect("the thread waits");
            Poll::Pending
        }))?;
        thread.join().unwrap();
        assert_eq!(polls.get(), 2);
        Ok(())
    }

    /// On the loop's thread, a wake-up queues the task without allocating:
    /// a thousand wake-ups (and polls) of a warm task, zero allocations.
    fn a_thousand_wakeups_allocate_nothing(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let before = Rc::new(Cell::new(0));
        let after = Rc::new(Cell::new(0));
        let (b, a) = (before.clone(), after.clone());
        let mut turns = 0;
        lp.block_on(poll_fn(move |cx| {
            turns += 1;
            // 100 turns to warm up (queue and event buffers reach their size).
            if turns == 100 {
                b.set(allocations());
            }
            if turns == 1100 {
                a.set(allocations());
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        }))?;
        assert_eq!(after.get() - before.get(), 0, "allocations for 1,000 wake-ups");
        Ok(())
    }

    /// A loop dropped with parked tasks drops every future, even those whose
    /// JoinHandle is still held.
    fn a_closing_loop_drops_every_future(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let drops = Drops::default();
        let mut held = Vec::new();
        for i in 0..10 {
            let guard = drops.guard();
            let handle = lp.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            if i % 2 == 0 {
                held.push(handle);
            }
        }
        lp.run_once()?;
        assert_eq!(drops.count(), 0);
        drop(lp);
        assert_eq!(drops.count(), 10);
        assert!(held.iter().all(JoinHandle::is_finished));
        Ok(())
    }

    /// A future nothing can ever wake is an error, not a hang.
    fn block_on_a_future_nothing_can_wake_is_an_error(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let err = lp.block_on(std::future::pending::<()>()).unwrap_err();
        assert!(err.to_string().contains("would wait forever"), "{err}");
        Ok(())
    }

    /// Spawning on a closed loop gives a handle that says cancelled; the
    /// future is dropped at once.
    fn spawning_on_a_closed_loop_is_cancelled(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let handle = lp.handle();
        drop(lp);
        let drops = Drops::default();
        let guard = drops.guard();
        let task = handle.spawn(async move { drop(guard) });
        assert_eq!(drops.count(), 1);
        assert!(task.is_finished());
        let err = EventLoop::with_kind(kind)?.block_on(task)?.unwrap_err();
        assert!(err.is_cancelled());
        Ok(())
    }
}

/// `run` is a loop of its own: tasks left when its future is done are
/// dropped with it.
#[test]
fn run_closes_its_loop() -> io::Result<()> {
    let drops = Drops::default();
    let guard = drops.guard();
    let answer = ghetto_loop::run(async move {
        task::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        task::yield_now().await;
        42
    })?;
    assert_eq!(answer, 42);
    assert_eq!(drops.count(), 1);
    Ok(())
}

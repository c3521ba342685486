//! The sync layer's promises (chapter 17), counted, not timed: FIFO hand-off
//! (a newcomer never jumps the queue), every wait dropped halfway loses
//! nothing and leaks no permit, a permit handed to a dropped waiter is
//! passed on, wake storms poll each waiter a bounded number of times,
//! channel backpressure and ends, and the scoped release on every exit
//! path.
//!
//! Two kinds of test. The state machines' exact claims ("this waker was
//! woken once, that one never") are checked by polling futures by hand
//! with counting wakers: no loop, nothing else runs. The same primitives
//! then run as tasks on a loop, on all three selectors (`conformance!`),
//! ordered by `yield_now` and checked by logs and counters.

mod util;

use std::cell::{Cell, RefCell};
use std::future::{Future, pending, poll_fn};
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use course::testing::WakeCount;
use std::time::Duration;

use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::sync::stream::{self, Lines, MAX_LINE};
use ghetto_loop::sync::{Event, Mutex, Pool, Semaphore, StreamExt, TryAcquireError, mpsc, oneshot};
use ghetto_loop::sys::{Shutdown, fault};
use ghetto_loop::task::{self, JoinHandle};
use ghetto_loop::time::{self, Either};
use util::{Drops, conformance};

// ---------------------------------------------------------------------------
// Helpers

/// Polls futures by hand with its own counting waker.
struct Probe {
    count: Arc<WakeCount>,
    waker: Waker,
}

impl Probe {
    fn new() -> Probe {
        let count = Arc::new(WakeCount::default());
        Probe {
            waker: Waker::from(count.clone()),
            count,
        }
    }

    /// One poll of `future`, with this probe's waker.
    fn poll<F: Future + Unpin>(&self, future: &mut F) -> Poll<F::Output> {
        Pin::new(future).poll(&mut Context::from_waker(&self.waker))
    }

    /// How many times the waker was called.
    fn wakes(&self) -> usize {
        self.count.woken()
    }
}

/// `future`, counting its polls in `polls`.
fn counted<F: Future>(polls: Rc<Cell<u32>>, future: F) -> impl Future<Output = F::Output> {
    let mut future = Box::pin(future);
    poll_fn(move |cx| {
        polls.set(polls.get() + 1);
        future.as_mut().poll(cx)
    })
}

/// A shared log of what ran, in order.
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn push(&self, line: impl Into<String>) {
        self.0.borrow_mut().push(line.into());
    }
    fn lines(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Lets every task that is ready run, `n` times over.
async fn yield_times(n: usize) {
    for _ in 0..n {
        task::yield_now().await;
    }
}

/// Yields until `done()` holds, at most 100 turns (a bound for a failing
/// test, not a timing claim).
async fn yield_until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        task::yield_now().await;
    }
    panic!("not after 100 turns: {what}");
}

// ---------------------------------------------------------------------------
// Semaphore and Mutex: the state machine, polled by hand

/// A dropped acquire leaves the queue: the permit goes to the one behind
/// it, the dropped one's waker is never called, and no permit is lost.
#[test]
fn a_dropped_acquire_gives_up_its_place_and_leaks_nothing() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let (pa, pb, pc) = (Probe::new(), Probe::new(), Probe::new());
    let (mut a, mut b, mut c) = (sem.acquire(), sem.acquire(), sem.acquire());
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    assert!(pc.poll(&mut c).is_pending());
    drop(b);
    drop(held);
    assert_eq!((pa.wakes(), pb.wakes(), pc.wakes()), (1, 0, 0), "a first");
    let Poll::Ready(Ok(permit)) = pa.poll(&mut a) else {
        panic!("a was handed the permit")
    };
    drop(permit);
    assert_eq!((pb.wakes(), pc.wakes()), (0, 1), "then c; b is gone");
    let Poll::Ready(Ok(permit)) = pc.poll(&mut c) else {
        panic!("c was handed the permit")
    };
    assert_eq!(sem.available_permits(), 0);
    drop(permit);
    assert_eq!(sem.available_permits(), 1, "no permit leaked");
}

/// An acquire dropped after the permit was handed to it, before its task
/// ran, passes the permit on to the next waiter.
#[test]
fn a_dropped_acquire_that_was_handed_its_permit_passes_it_on() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let (pa, pb) = (Probe::new(), Probe::new());
    let (mut a, mut b) = (sem.acquire(), sem.acquire());
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    drop(held);
    assert_eq!((pa.wakes(), pb.wakes()), (1, 0), "handed to a");
    assert_eq!(sem.available_permits(), 0, "a owns it, unpolled");
    drop(a);
    assert_eq!(pb.wakes(), 1, "a's permit went to b");
    let Poll::Ready(Ok(permit)) = pb.poll(&mut b) else {
        panic!("b holds it")
    };
    drop(permit);
    assert_eq!(sem.available_permits(), 1);
}

/// `acquire_many` blocks everyone behind it while it gathers its permits;
/// dropped halfway, it gives back what it had gathered.
#[test]
fn a_dropped_acquire_many_gives_back_what_it_gathered() {
    let sem = Semaphore::new(3);
    let held: Vec<_> = (0..3).map(|_| sem.try_acquire().unwrap()).collect();
    let (px, py) = (Probe::new(), Probe::new());
    let (mut x, mut y) = (sem.acquire_many(3), sem.acquire());
    assert!(px.poll(&mut x).is_pending());
    assert!(py.poll(&mut y).is_pending());
    let mut held = held.into_iter();
    drop(held.next());
    drop(held.next());
    assert_eq!(
        (px.wakes(), py.wakes()),
        (0, 0),
        "x has 2 of 3; y waits behind it"
    );
    assert_eq!(sem.available_permits(), 0, "gathered by x, not free");
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    drop(x);
    assert_eq!(py.wakes(), 1, "x's two: one to y...");
    assert_eq!(sem.available_permits(), 1, "...and one free");
    let Poll::Ready(Ok(permit)) = py.poll(&mut y) else {
        panic!("y holds one")
    };
    drop((permit, held));
    assert_eq!(sem.available_permits(), 3, "all three back");
}

/// Closing fails every waiter and every later acquire; a permit held
/// across the close is still given back.
#[test]
fn close_fails_the_waiters_and_keeps_held_permits_valid() {
    let sem = Semaphore::new(2);
    let held = sem.try_acquire().unwrap();
    let probe = Probe::new();
    let mut many = sem.acquire_many(2);
    assert!(probe.poll(&mut many).is_pending(), "it took the free one");
    sem.close();
    assert_eq!(probe.wakes(), 1);
    assert!(matches!(probe.poll(&mut many), Poll::Ready(Err(_))));
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert!(matches!(
        Probe::new().poll(&mut sem.acquire()),
        Poll::Ready(Err(_))
    ));
    drop(held);
    assert_eq!(sem.available_permits(), 2, "nothing lost in the close");
}

/// A dropped lock gives up its place; one handed the lock passes it on;
/// the mutex is never left locked.
#[test]
fn a_dropped_lock_gives_up_its_place_and_passes_the_lock_on() {
    let mutex = Mutex::new(0);
    let guard = mutex.try_lock().unwrap();
    let (pa, pb, pc) = (Probe::new(), Probe::new(), Probe::new());
    let (mut a, mut b, mut c) = (mutex.lock(), mutex.lock(), mutex.lock());
    for (probe, lock) in [(&pa, &mut a), (&pb, &mut b), (&pc, &mut c)] {
        assert!(probe.poll(lock).is_pending());
    }
    drop(b); // waiting: leaves the queue
    drop(guard);
    assert_eq!(pa.wakes(), 1, "handed to a");
    assert!(
        mutex.try_lock().is_err(),
        "a newcomer does not jump the queue"
    );
    drop(a); // handed the lock, never ran: passes it on
    assert_eq!((pb.wakes(), pc.wakes()), (0, 1));
    let Poll::Ready(mut guard) = pc.poll(&mut c) else {
        panic!("c holds the lock")
    };
    *guard += 1;
    drop(guard);
    assert_eq!(*mutex.try_lock().expect("unlocked"), 1);
}

// ---------------------------------------------------------------------------
// Event, oneshot and mpsc: the state machines, polled by hand

/// A waiter woken by `set` returns even if `clear` came before it ran; a
/// dropped waiter leaves the queue and is not woken.
#[test]
fn event_waiters_woken_by_set_return_after_a_clear() {
    let event = Event::new();
    let (pa, pb) = (Probe::new(), Probe::new());
    let (mut a, mut b) = (event.wait(), event.wait());
    assert!(pa.poll(&mut a).is_pending());
    assert!(pb.poll(&mut b).is_pending());
    drop(b);
    event.set();
    event.clear();
    assert_eq!((pa.wakes(), pb.wakes()), (1, 0));
    assert!(pa.poll(&mut a).is_ready(), "woken by the set, returns");
    let mut late = event.wait();
    assert!(pa.poll(&mut late).is_pending(), "cleared: a new wait waits");
    event.set();
    event.set(); // raising a raised flag wakes nobody twice
    assert_eq!(pa.wakes(), 2);
    assert!(pa.poll(&mut late).is_ready());
}

/// A dropped await of `&mut receiver` loses nothing; the receiver is woken
/// once by the send and gets the value.
#[test]
fn a_dropped_oneshot_await_loses_nothing() {
    let (tx, mut rx) = oneshot::channel();
    let probe = Probe::new();
    assert!(probe.poll(&mut rx).is_pending());
    assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Empty));
    tx.send(7).unwrap();
    assert_eq!(probe.wakes(), 1);
    assert_eq!(probe.poll(&mut rx), Poll::Ready(Ok(7)));
}

/// A value sent and never received is dropped with the receiver; a send
/// after the receiver is gone hands the value back.
#[test]
fn oneshot_values_are_dropped_or_handed_back() {
    let drops = Drops::default();
    let (tx, rx) = oneshot::channel();
    tx.send(drops.guard()).unwrap();
    assert_eq!(drops.count(), 0);
    drop(rx);
    assert_eq!(drops.count(), 1, "dropped with the receiver");

    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    let back = tx.send(drops.guard()).unwrap_err();
    assert_eq!(drops.count(), 1, "handed back, not dropped");
    drop(back);
    assert_eq!(drops.count(), 2);
}

/// A send dropped while waiting for room gives up its place (and drops its
/// value); one dropped after it was handed a slot passes it on. The
/// channel's capacity is whole afterwards.
#[test]
fn a_dropped_send_gives_up_its_place_and_no_slot() {
    let drops = Drops::default();
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send((0, drops.guard())).unwrap();
    let (p1, p2, p3) = (Probe::new(), Probe::new(), Probe::new());
    let mut s1 = tx.send((1, drops.guard()));
    let mut s2 = tx.send((2, drops.guard()));
    let mut s3 = tx.send((3, drops.guard()));
    for (probe, send) in [(&p1, &mut s1), (&p2, &mut s2), (&p3, &mut s3)] {
        assert!(probe.poll(send).is_pending(), "full");
    }
    drop(s1);
    assert_eq!(drops.count(), 1, "its value went with it");
    assert_eq!(rx.try_recv().unwrap().0, 0);
    assert_eq!((p2.wakes(), p3.wakes()), (1, 0), "the slot went to s2");
    drop(s2); // handed a slot, never ran
    assert_eq!(p3.wakes(), 1, "s2's slot went to s3");
    assert!(matches!(p3.poll(&mut s3), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv().unwrap().0, 3);
    assert_eq!(rx.try_recv().unwrap_err(), mpsc::TryRecvError::Empty);
    tx.try_send((4, drops.guard()))
        .expect("the one slot is free");
    assert!(matches!(
        tx.try_send((5, drops.guard())),
        Err(mpsc::TrySendError::Full(_))
    ));
}

/// A dropped `recv` received nothing: the value waits for the next one.
/// A dropped `reserve` holds no value and gives its slot back.
#[test]
fn a_dropped_recv_or_reserve_loses_nothing() {
    let (tx, mut rx) = mpsc::channel(1);
    let probe = Probe::new();
    {
        let mut recv = rx.recv();
        assert!(probe.poll(&mut recv).is_pending());
    }
    tx.try_send("kept").unwrap();
    assert_eq!(probe.wakes(), 1);
    assert_eq!(probe.poll(&mut rx.recv()), Poll::Ready(Some("kept")));

    let permit = match probe.poll(&mut Box::pin(tx.reserve())) {
        Poll::Ready(Ok(permit)) => permit,
        _ => panic!("a slot is free"),
    };
    assert!(
        matches!(tx.try_send("x"), Err(mpsc::TrySendError::Full(_))),
        "reserved"
    );
    {
        let mut waiting = Box::pin(tx.reserve());
        assert!(probe.poll(&mut waiting).is_pending());
    }
    drop(permit);
    tx.try_send("after")
        .expect("both slots back: the permit's and the dropped reserve's");
    assert_eq!(rx.try_recv(), Ok("after"));
}

// ---------------------------------------------------------------------------
// On the loop, every selector

conformance! {
    /// Released permits go to the waiters in the order they came; a
    /// newcomer arriving after a release finds nothing free and queues last.
    fn semaphore_hands_off_in_fifo_order(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        lp.block_on(async {
            let sem = Rc::new(Semaphore::new(1));
            let held = sem.try_acquire().unwrap();
            let mut tasks: Vec<JoinHandle<()>> = (0..5)
                .map(|i| {
                    let (sem, log) = (sem.clone(), log.clone());
                    task::spawn(async move {
                        let _permit = sem.acquire().await.unwrap();
                        log.push(format!("task {i}"));
                        task::yield_now().await;
                    })
                })
                .collect();
            yield_times(2).await;
            assert!(log.lines().is_empty(), "all five wait");
            drop(held);
            // Handed to task 0, which has not run: nothing is free, and
            // this task, a newcomer that runs first, queues last.
            assert_eq!(sem.available_permits(), 0);
            assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
            let mut mine = Box::pin(sem.acquire());
            assert!(poll_fn(|cx| Poll::Ready(mine.as_mut().poll(cx).is_pending())).await);
            // A second newcomer, a task, queues behind it.
            let (s, l) = (sem.clone(), log.clone());
            tasks.push(task::spawn(async move {
                let _permit = s.acquire().await.unwrap();
                l.push("newcomer task");
            }));
            {
                let _permit = mine.await.unwrap();
                log.push("newcomer main");
            }
            for t in tasks {
                t.await.unwrap();
            }
        })?;
        let expected = [
            "task 0", "task 1", "task 2", "task 3", "task 4", "newcomer main", "newcomer task",
        ];
        assert_eq!(log.lines(), expected);
        Ok(())
    }

    /// An `acquire_many(2)` at the front keeps a later `acquire()` waiting
    /// even while one permit is free to take.
    fn acquire_many_blocks_those_behind_it(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        lp.block_on(async {
            let sem = Rc::new(Semaphore::new(2));
            let (p1, p2) = (sem.try_acquire().unwrap(), sem.try_acquire().unwrap());
            let (s, l) = (sem.clone(), log.clone());
            let big = task::spawn(async move {
                let _two = s.acquire_many(2).await.unwrap();
                l.push("two");
                task::yield_now().await;
            });
            let (s, l) = (sem.clone(), log.clone());
            let small = task::spawn(async move {
                let _one = s.acquire().await.unwrap();
                l.push("one");
            });
            yield_times(2).await;
            drop(p1);
            yield_times(3).await;
            assert!(log.lines().is_empty(), "the small one waits behind the big one");
            assert_eq!(sem.available_permits(), 0);
            drop(p2);
            big.await.unwrap();
            small.await.unwrap();
            assert_eq!(sem.available_permits(), 2);
        })?;
        assert_eq!(log.lines(), ["two", "one"]);
        Ok(())
    }

    /// Tasks aborted while waiting for a permit, or for the lock, give up
    /// their place: the others are served in order and nothing leaks.
    fn aborted_waiters_leak_no_permit(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        lp.block_on(async {
            let sem = Rc::new(Semaphore::new(1));
            let mutex = Rc::new(Mutex::new(()));
            let held = sem.try_acquire().unwrap();
            let guard = mutex.try_lock().unwrap();
            let tasks: Vec<JoinHandle<()>> = (0..6)
                .map(|i| {
                    let (sem, mutex, log) = (sem.clone(), mutex.clone(), log.clone());
                    task::spawn(async move {
                        if i % 2 == 0 {
                            let _permit = sem.acquire().await.unwrap();
                            log.push(format!("permit {i}"));
                        } else {
                            let _guard = mutex.lock().await;
                            log.push(format!("lock {i}"));
                        }
                    })
                })
                .collect();
            yield_times(2).await;
            tasks[2].abort();
            tasks[3].abort();
            yield_times(2).await;
            drop(held);
            drop(guard);
            for t in tasks {
                let _ = t.await;
            }
            assert_eq!(sem.available_permits(), 1, "no permit leaked");
            assert!(mutex.try_lock().is_ok(), "not left locked");
        })?;
        assert_eq!(log.lines(), ["permit 0", "lock 1", "permit 4", "lock 5"]);
        Ok(())
    }

    /// A thousand tasks wait on one permit, each holding it across a
    /// yield: all finish, in order, and none is polled more than three
    /// times (park, handed the permit, after the yield). Wake-one hand-off,
    /// not a thundering herd.
    fn a_wake_storm_on_a_semaphore_polls_each_waiter_boundedly(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let polls: Vec<Rc<Cell<u32>>> = (0..1000).map(|_| Rc::default()).collect();
        let order = Rc::new(RefCell::new(Vec::new()));
        lp.block_on(async {
            let sem = Rc::new(Semaphore::new(1));
            let held = sem.try_acquire().unwrap();
            let tasks: Vec<_> = polls
                .iter()
                .enumerate()
                .map(|(i, polls)| {
                    let (sem, order) = (sem.clone(), order.clone());
                    task::spawn(counted(polls.clone(), async move {
                        let _permit = sem.acquire().await.unwrap();
                        order.borrow_mut().push(i);
                        task::yield_now().await;
                    }))
                })
                .collect();
            task::yield_now().await;
            drop(held);
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(sem.available_permits(), 1);
        })?;
        assert_eq!(*order.borrow(), (0..1000).collect::<Vec<_>>());
        // Under injected faults a task is also polled for nothing now and
        // then; the order above must hold, the count is not the point.
        if !fault::enabled() {
            let most = polls.iter().map(|p| p.get()).max().unwrap();
            assert!(most <= 3, "a waiter was polled {most} times");
        }
        Ok(())
    }

    /// The lock is granted in FIFO order, a newcomer queues behind, and a
    /// task that panics while holding the guard unlocks it (RAII on the
    /// panic path).
    fn mutex_locks_in_fifo_order_and_unlocks_on_panic(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let mutex = Rc::new(Mutex::new(Vec::new()));
        lp.block_on(async {
            let guard = mutex.lock().await;
            let tasks: Vec<_> = (0..5)
                .map(|i| {
                    let mutex = mutex.clone();
                    task::spawn(async move {
                        let mut v = mutex.lock().await;
                        task::yield_now().await; // held across an await
                        v.push(i);
                    })
                })
                .collect();
            yield_times(2).await;
            drop(guard);
            assert!(mutex.try_lock().is_err(), "handed to task 0, not free");
            for t in tasks {
                t.await.unwrap();
            }
            let m = mutex.clone();
            let doomed = task::spawn(async move {
                let _guard = m.lock().await;
                task::yield_now().await;
                panic!("while holding the lock");
            });
            assert!(doomed.await.unwrap_err().is_panic());
            mutex.lock().await.push(99);
        })?;
        assert_eq!(*mutex.try_lock().unwrap(), [0, 1, 2, 3, 4, 99]);
        Ok(())
    }

    /// `set` wakes every waiter once: a thousand waiters, each polled
    /// exactly twice (park, return). `clear` makes new waits wait again.
    fn event_wakes_a_thousand_waiters_once_each(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let polls: Vec<Rc<Cell<u32>>> = (0..1000).map(|_| Rc::default()).collect();
        lp.block_on(async {
            let event = Rc::new(Event::new());
            let tasks: Vec<_> = polls
                .iter()
                .map(|polls| {
                    let event = event.clone();
                    task::spawn(counted(polls.clone(), async move { event.wait().await }))
                })
                .collect();
            yield_times(2).await;
            // The exact poll counts hold only without injected spurious
            // wake-ups; the wake-ups themselves are checked either way.
            assert!(fault::enabled() || polls.iter().all(|p| p.get() == 1), "all parked");
            event.set();
            for t in tasks {
                t.await.unwrap();
            }
            event.clear();
            let e = event.clone();
            let late = task::spawn(async move { e.wait().await });
            yield_times(2).await;
            assert!(!late.is_finished(), "cleared: waits again");
            event.set();
            late.await.unwrap();
        })?;
        assert!(fault::enabled() || polls.iter().all(|p| p.get() == 2), "park, return");
        Ok(())
    }

    /// A task aborted while waiting for an event leaves nothing behind: the
    /// others are woken, and its future is dropped.
    fn an_aborted_event_waiter_is_dropped_and_the_others_woken(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let drops = Drops::default();
        lp.block_on(async {
            let event = Rc::new(Event::new());
            let (e, guard) = (event.clone(), drops.guard());
            let aborted = task::spawn(async move {
                let _guard = guard;
                e.wait().await;
            });
            let e = event.clone();
            let kept = task::spawn(async move { e.wait().await });
            yield_times(2).await;
            aborted.abort();
            yield_times(1).await;
            assert_eq!(drops.count(), 1);
            event.set();
            kept.await.unwrap();
            assert!(aborted.await.unwrap_err().is_cancelled());
        })?;
        Ok(())
    }

    /// A oneshot carries its value across tasks; a sender dropped unused is
    /// a `RecvError`; a send to a dropped receiver hands the value back.
    fn oneshot_send_recv_and_both_ends_dropped(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.block_on(async {
            let (tx, rx) = oneshot::channel();
            task::spawn(async move {
                task::yield_now().await;
                tx.send(String::from("reply")).unwrap();
            });
            assert_eq!(rx.await.unwrap(), "reply");

            let (tx, rx) = oneshot::channel::<u8>();
            task::spawn(async move {
                task::yield_now().await;
                drop(tx);
            });
            assert_eq!(rx.await, Err(oneshot::RecvError));

            let (tx, rx) = oneshot::channel();
            let waiter = task::spawn(rx);
            task::yield_now().await;
            waiter.abort();
            yield_times(1).await;
            assert!(tx.is_closed(), "the aborted task dropped the receiver");
            assert_eq!(tx.send(5), Err(5));
        })?;
        Ok(())
    }

    /// Backpressure: with room for 2, a producer of 10 completes exactly 2
    /// sends while the receiver does not receive, then one more per value
    /// received. Every value arrives, in order, then the end.
    fn mpsc_send_waits_while_full(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let sent = Rc::new(Cell::new(0));
        lp.block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            let counter = sent.clone();
            let producer = task::spawn(async move {
                for i in 0..10 {
                    tx.send(i).await.unwrap();
                    counter.set(counter.get() + 1);
                }
            });
            yield_times(5).await;
            assert_eq!(sent.get(), 2, "parked on a full channel");
            assert_eq!(rx.recv().await, Some(0));
            yield_times(2).await;
            assert_eq!(sent.get(), 3, "one slot freed, one more send");
            let mut got = vec![0];
            while let Some(i) = rx.recv().await {
                got.push(i);
            }
            assert_eq!(got, (0..10).collect::<Vec<_>>());
            producer.await.unwrap();
        })?;
        Ok(())
    }

    /// The receiver sees the end only when every sender (clones included)
    /// is gone and every value is received.
    fn mpsc_ends_when_every_sender_is_gone(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            for id in 0..3 {
                let tx = tx.clone();
                task::spawn(async move {
                    for n in 0..2 {
                        tx.send((id, n)).await.unwrap();
                        task::yield_now().await;
                    }
                });
            }
            drop(tx);
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got.sort();
            assert_eq!(got, [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]);
            assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Disconnected));
            assert_eq!(rx.recv().await, None, "and stays ended");
        })?;
        Ok(())
    }

    /// A send to a closed channel hands its value back: one waiting on a
    /// full channel when the receiver goes, and one that comes after.
    /// Values still queued are dropped with the receiver.
    fn mpsc_send_to_a_closed_channel_hands_the_value_back(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let drops = Drops::default();
        lp.block_on(async {
            let (tx, rx) = mpsc::channel(1);
            tx.send(drops.guard()).await.unwrap();
            let t = tx.clone();
            let (keep, guard) = (drops.clone(), drops.guard());
            let parked = task::spawn(async move {
                let back = t.send(guard).await.unwrap_err();
                assert_eq!(keep.count(), 1, "the queued one only");
                back.0
            });
            yield_times(2).await;
            drop(rx);
            assert_eq!(drops.count(), 1, "the queued value dropped with the receiver");
            let handed_back = parked.await.unwrap();
            assert_eq!(drops.count(), 1, "handed back, alive");
            drop(handed_back);
            assert!(tx.is_closed());
            assert!(tx.send(drops.guard()).await.is_err());
            assert!(matches!(tx.try_send(drops.guard()), Err(mpsc::TrySendError::Closed(_))));
        })?;
        assert_eq!(drops.count(), 4);
        Ok(())
    }

    /// `close` stops the intake and lets the queue drain: a graceful end.
    fn mpsc_close_drains_then_ends(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            tx.send(1).await.unwrap();
            tx.send(2).await.unwrap();
            rx.close();
            assert_eq!(tx.send(3).await.unwrap_err().0, 3);
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, Some(2));
            assert_eq!(rx.recv().await, None, "closed and drained, though a sender lives");
        })?;
        Ok(())
    }

    /// A receiver is a stream; `next()` in a race that drops it loses
    /// nothing.
    fn a_receiver_is_a_stream(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.block_on(async {
            let (tx, mut rx) = mpsc::channel(8);
            match time::select(rx.next(), task::yield_now()).await {
                Either::Right(()) => {}
                Either::Left(v) => panic!("nothing was sent, got {v:?}"),
            }
            task::spawn(async move {
                for word in ["async", "for", "in", "rust"] {
                    tx.send(word).await.unwrap();
                }
            });
            let mut words = Vec::new();
            while let Some(word) = rx.next().await {
                words.push(word);
            }
            assert_eq!(words, ["async", "for", "in", "rust"]);
            let mut it = stream::iter(1..=2);
            assert_eq!((it.next().await, it.next().await, it.next().await), (Some(1), Some(2), None));
        })?;
        Ok(())
    }

    /// The lines of a TCP stream arrive whole however the bytes are cut;
    /// a `next()` dropped halfway keeps the bytes it read; end-of-file
    /// yields the last line without a newline, then the end.
    fn lines_of_a_tcp_stream(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let (server, _) = listener.accept().await?;
            let mut lines = Lines::new(&server);
            client.write_all(b"hel").await?;
            // `next` reads "hel", finds no newline, waits; the yield wins
            // the race and `next` is dropped with "hel" in the buffer.
            match time::select(lines.next(), yield_times(3)).await {
                Either::Right(()) => {}
                Either::Left(line) => panic!("no whole line yet, got {line:?}"),
            }
            client.write_all(b"lo\r\nwor").await?;
            client.write_all(b"ld\n\nlast").await?;
            client.shutdown(Shutdown::Write)?;
            let mut got = Vec::new();
            while let Some(line) = lines.next().await {
                got.push(line?);
            }
            assert_eq!(got, ["hello", "world", "", "last"]);
            Ok::<(), io::Error>(())
        })??;
        Ok(())
    }

    /// A peer that never sends a newline gets an error after `MAX_LINE`
    /// bytes, not the server's memory.
    fn lines_refuses_a_line_longer_than_the_limit(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
            let client = Rc::new(TcpStream::connect(listener.local_addr()?).await?);
            let (server, _) = listener.accept().await?;
            let c = client.clone();
            let writer = task::spawn(async move {
                let _ = c.write_all(&vec![b'x'; MAX_LINE + 1]).await;
            });
            let mut lines = Lines::new(&server);
            let err = lines.next().await.expect("an item").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(lines.next().await.is_none(), "the stream ended with the error");
            drop(lines);
            drop(server);
            writer.await.unwrap();
            Ok::<(), io::Error>(())
        })??;
        Ok(())
    }

    /// An interval is a stream of ticks, one period apart (paused clock:
    /// order and spacing, not wall time).
    fn an_interval_is_a_stream_of_ticks(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.pause_clock();
        let ticks = lp.block_on(async {
            let mut ticks = time::interval(Duration::from_millis(10));
            let mut got = Vec::new();
            for _ in 0..3 {
                got.push(ticks.next().await.expect("never ends"));
            }
            got
        })?;
        assert_eq!(ticks[1] - ticks[0], Duration::from_millis(10));
        assert_eq!(ticks[2] - ticks[1], Duration::from_millis(10));
        Ok(())
    }

    /// The scoped release runs, and is awaited before `with` returns, when
    /// the body returns a value and when it returns an error.
    fn pool_releases_after_ok_and_after_err(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        lp.block_on(async {
            let pool = logged_pool(&log, None);
            let ok = pool.with(async |conn| {
                log.push(format!("body on {conn}"));
                task::yield_now().await;
                Ok::<u32, String>(1)
            }).await;
            assert_eq!(ok, Ok(1));
            log.push("with returned");
            let err = pool.with(async |conn| Err::<u32, String>(format!("failed on {conn}"))).await;
            assert_eq!(err, Err("failed on conn".to_string()));
            log.push("with returned");
            assert_eq!(pool.idle(), 1);
        })?;
        assert_eq!(log.lines(), [
            "body on conn", "release starts", "release ends", "with returned",
            "release starts", "release ends", "with returned",
        ]);
        Ok(())
    }

    /// A panic in the body: the release is awaited, then the panic goes on
    /// (the task reports it); the resource is back for the next borrower.
    fn pool_releases_after_a_panic(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        lp.set_report_handler(|_| {}); // the panic is expected
        lp.block_on(async {
            let pool = Rc::new(logged_pool(&log, None));
            let (p, l) = (pool.clone(), log.clone());
            let doomed = task::spawn(async move {
                p.with(async |_conn| -> () {
                    l.push("body");
                    task::yield_now().await;
                    panic!("in the body");
                }).await
            });
            let err = doomed.await.unwrap_err();
            assert_eq!(err.panic_message(), Some("in the body"));
            assert_eq!(pool.idle(), 1, "released before the panic went on");
            pool.with(async |_conn| log.push("next borrower")).await;
        })?;
        assert_eq!(log.lines(), [
            "body", "release starts", "release ends",
            "next borrower", "release starts", "release ends",
        ]);
        Ok(())
    }

    /// The `with` future dropped while the body runs (its task aborted):
    /// the release is spawned and runs to its end on the loop.
    fn pool_releases_when_cancelled(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        lp.block_on(async {
            let pool = Rc::new(logged_pool(&log, None));
            let (p, l) = (pool.clone(), log.clone());
            let stuck = task::spawn(async move {
                p.with(async |_conn| {
                    l.push("body");
                    pending::<()>().await;
                }).await
            });
            yield_until("the body runs", || log.lines().len() == 1).await;
            stuck.abort();
            assert!(stuck.await.unwrap_err().is_cancelled());
            yield_until("the resource is back", || pool.idle() == 1).await;
        })?;
        assert_eq!(log.lines(), ["body", "release starts", "release ends"]);
        Ok(())
    }

    /// Dropped while its release is under way, `with` finishes that same
    /// release on the loop: it is not started again, nor lost.
    fn pool_cancelled_during_its_release_finishes_it(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        lp.block_on(async {
            let gate = Rc::new(Event::new());
            let pool = Rc::new(logged_pool(&log, Some(gate.clone())));
            let p = pool.clone();
            let releasing = task::spawn(async move { p.with(async |_conn| {}).await });
            yield_until("the release starts", || log.lines().len() == 1).await;
            releasing.abort();
            assert!(releasing.await.unwrap_err().is_cancelled());
            yield_times(3).await;
            assert_eq!(pool.idle(), 0, "the release waits at its gate");
            gate.set();
            yield_until("the resource is back", || pool.idle() == 1).await;
        })?;
        assert_eq!(log.lines(), ["release starts", "release ends"]);
        Ok(())
    }

    /// Borrowers wait for a free resource in FIFO order, and a resource is
    /// handed on only after its release.
    fn pool_serves_borrowers_in_order(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        lp.block_on(async {
            let pool = Rc::new(logged_pool(&log, None));
            let tasks: Vec<_> = (0..3)
                .map(|i| {
                    let (pool, log) = (pool.clone(), log.clone());
                    task::spawn(async move {
                        pool.with(async |_conn| log.push(format!("borrower {i}"))).await
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        })?;
        assert_eq!(log.lines(), [
            "borrower 0", "release starts", "release ends",
            "borrower 1", "release starts", "release ends",
            "borrower 2", "release starts", "release ends",
        ]);
        Ok(())
    }
}

/// A pool of one resource, "conn", whose release logs its start and end
/// and awaits in between: a yield, and `gate` if there is one.
fn logged_pool(log: &Log, gate: Option<Rc<Event>>) -> Pool<String> {
    let log = log.clone();
    Pool::new(vec![String::from("conn")], move |conn: String| {
        let (log, gate) = (log.clone(), gate.clone());
        async move {
            log.push("release starts");
            task::yield_now().await;
            if let Some(gate) = gate {
                gate.wait().await;
            }
            log.push("release ends");
            conn
        }
    })
}

//! Waking a parked task on the loop's thread allocates nothing: the task is
//! its own entry in the ready queue, and its waker is an `Arc` made once.
//!
//! This file installs a counting allocator. It counts per thread, so tests
//! that `cargo test` runs on other threads of the same process do not
//! disturb it; `cargo nextest` runs each test in a process of its own.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use course::testing::{CountingAllocator, allocations};
use ghetto_loop::task;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Parks on every poll (leaving its waker in `slot`) until it has been
/// polled `limit` times.
struct Parked {
    polls: Rc<Cell<u32>>,
    slot: Rc<RefCell<Option<Waker>>>,
    limit: u32,
}

impl Future for Parked {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        if self.polls.get() >= self.limit {
            return Poll::Ready(());
        }
        // Cloning a task waker is an `Arc` count, not an allocation.
        *self.slot.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

#[test]
fn a_thousand_wake_ups_on_the_loop_thread_allocate_nothing() -> std::io::Result<()> {
    // The counter counts: a box is one allocation.
    let before = allocations();
    drop(std::hint::black_box(Box::new(1)));
    assert_eq!(allocations(), before + 1);

    // The first rounds let queues and buffers reach their size.
    const WARM_UP: u32 = 10;
    const WAKE_UPS: u32 = 1_000;
    let polls = Rc::new(Cell::new(0));
    let slot = Rc::new(RefCell::new(None::<Waker>));
    let parked = Parked {
        polls: polls.clone(),
        slot: slot.clone(),
        limit: WARM_UP + WAKE_UPS + 1,
    };
    let measured = ghetto_loop::run(async {
        let handle = task::spawn(parked);
        let mut start = 0;
        for round in 0..WARM_UP + WAKE_UPS {
            if round == WARM_UP {
                start = allocations();
            }
            // Until the task has parked again after the last wake-up.
            while polls.get() <= round {
                task::yield_now().await;
            }
            let waker = slot
                .borrow_mut()
                .take()
                .expect("a parked task left its waker");
            waker.wake();
        }
        let end = allocations();
        handle.await.expect("the task finishes");
        end - start
    })?;
    assert_eq!(polls.get(), WARM_UP + WAKE_UPS + 1);
    assert_eq!(measured, 0, "allocations for {WAKE_UPS} wake-ups");
    Ok(())
}

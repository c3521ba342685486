//! The specification of exercise 14-2: do not edit; make it pass.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use ex14_2_join_handle::{Handle, spawn_with_handle};
use ghetto_loop::task::yield_now;

/// A waker that counts how often it was called.
struct Counter(AtomicU32);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Waker, Arc<Counter>) {
    let counter = Arc::new(Counter(AtomicU32::new(0)));
    (Waker::from(counter.clone()), counter)
}

fn woken(counter: &Counter) -> u32 {
    counter.0.load(Ordering::SeqCst)
}

/// Polls `handle` once, by hand, with `waker`.
fn poll_with<T>(handle: &mut Handle<T>, waker: &Waker) -> Poll<T> {
    Pin::new(handle).poll(&mut Context::from_waker(waker))
}

/// A task that gives the loop back `passes` times, then returns `value`.
async fn after_passes<T>(passes: u32, value: T) -> T {
    for _ in 0..passes {
        yield_now().await;
    }
    value
}

/// Lets the loop run its other tasks for `passes` passes.
async fn let_others_run(passes: u32) {
    after_passes(passes, ()).await;
}

#[test]
fn awaiting_the_handle_gives_the_output() -> std::io::Result<()> {
    let got = ghetto_loop::run(async {
        let now = spawn_with_handle(async { 6 * 7 });
        let later = spawn_with_handle(after_passes(3, String::from("late")));
        (now.await, later.await)
    })?;
    assert_eq!(got, (42, String::from("late")));
    Ok(())
}

#[test]
fn a_handle_polled_before_the_output_is_woken_once_when_it_comes() -> std::io::Result<()> {
    ghetto_loop::run(async {
        let mut handle = spawn_with_handle(after_passes(3, "late"));
        let (waker, counter) = counting_waker();
        assert!(poll_with(&mut handle, &waker).is_pending());
        let_others_run(10).await;
        assert_eq!(woken(&counter), 1, "wake-ups when the output came");
        assert_eq!(poll_with(&mut handle, &waker), Poll::Ready("late"));
    })
}

#[test]
fn the_waker_of_the_latest_poll_is_the_one_woken() -> std::io::Result<()> {
    ghetto_loop::run(async {
        let mut handle = spawn_with_handle(after_passes(3, 7));
        let (first, first_count) = counting_waker();
        let (second, second_count) = counting_waker();
        assert!(poll_with(&mut handle, &first).is_pending());
        assert!(poll_with(&mut handle, &second).is_pending());
        let_others_run(10).await;
        assert_eq!((woken(&first_count), woken(&second_count)), (0, 1));
        assert_eq!(poll_with(&mut handle, &second), Poll::Ready(7));
    })
}

thread_local! {
    /// The handle a [`PollsOnWake`] waker polls, and what that poll gave.
    static WATCHED: RefCell<Option<Handle<&'static str>>> = const { RefCell::new(None) };
    static SEEN_IN_WAKE: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// A waker that runs code touching the slot: when woken, it polls the
/// handle in `WATCHED` at once. A waker is `Send`, so it reaches the `Rc`
/// inside the handle through a thread-local, on the loop's own thread.
struct PollsOnWake;

impl Wake for PollsOnWake {
    fn wake(self: Arc<Self>) {
        WATCHED.with(|watched| {
            if let Some(handle) = watched.borrow_mut().as_mut() {
                let (waker, _) = counting_waker();
                if let Poll::Ready(output) = poll_with(handle, &waker) {
                    SEEN_IN_WAKE.set(Some(output));
                }
            }
        });
    }
}

#[test]
fn a_waker_may_poll_the_handle_while_it_is_woken() -> std::io::Result<()> {
    ghetto_loop::run(async {
        let mut handle = spawn_with_handle(after_passes(3, "late"));
        let waker = Waker::from(Arc::new(PollsOnWake));
        assert!(poll_with(&mut handle, &waker).is_pending());
        WATCHED.with(|watched| *watched.borrow_mut() = Some(handle));
        let_others_run(10).await;
        drop(WATCHED.with(|watched| watched.borrow_mut().take()));
        assert_eq!(
            SEEN_IN_WAKE.get(),
            Some("late"),
            "the waker, polling the handle as it was woken, found the output"
        );
    })
}

#[test]
fn a_handle_polled_after_the_task_finished_is_ready_at_once() -> std::io::Result<()> {
    ghetto_loop::run(async {
        let mut handle = spawn_with_handle(async { "early" });
        let_others_run(3).await;
        let (waker, counter) = counting_waker();
        assert_eq!(poll_with(&mut handle, &waker), Poll::Ready("early"));
        assert_eq!(woken(&counter), 0);
    })
}

#[test]
fn dropping_the_handle_does_not_stop_the_task() -> std::io::Result<()> {
    let ran = Rc::new(Cell::new(false));
    let flag = ran.clone();
    ghetto_loop::run(async move {
        drop(spawn_with_handle(async move {
            yield_now().await;
            flag.set(true);
        }));
        let_others_run(5).await;
    })?;
    assert!(ran.get(), "the task ran to its end without its handle");
    Ok(())
}

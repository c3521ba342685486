//! The specification of exercise 13-2: `join2` polls both futures, never
//! one that has finished, and completes with both outputs.

use std::cell::Cell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ch13_futures::{Later, ThreadSleep, WakerKind, block_on};
use ex13_2_join::join2;

/// A future that counts its polls, and counts a poll after it finished
/// separately (a join must never do that).
struct Counted<F> {
    inner: F,
    polls: Rc<Cell<u32>>,
    after_ready: Rc<Cell<u32>>,
    finished: bool,
}

/// What a test reads back from a [`Counted`] it gave away.
#[derive(Clone)]
struct Counts {
    polls: Rc<Cell<u32>>,
    after_ready: Rc<Cell<u32>>,
}

fn counted<F: Future + Unpin>(inner: F) -> (Counted<F>, Counts) {
    let counts = Counts {
        polls: Rc::new(Cell::new(0)),
        after_ready: Rc::new(Cell::new(0)),
    };
    let fut = Counted {
        inner,
        polls: counts.polls.clone(),
        after_ready: counts.after_ready.clone(),
        finished: false,
    };
    (fut, counts)
}

impl<F: Future + Unpin> Future for Counted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        if this.finished {
            this.after_ready.set(this.after_ready.get() + 1);
            return Poll::Pending;
        }
        this.polls.set(this.polls.get() + 1);
        let poll = Pin::new(&mut this.inner).poll(cx);
        this.finished = poll.is_ready();
        poll
    }
}

#[test]
fn completes_with_both_outputs_in_order() {
    let run = block_on(WakerKind::Wake, join2(Later::new(1, 3), Later::new("b", 0)));
    assert_eq!(
        run.output,
        (1, "b"),
        "a's output first, though b was ready first"
    );
}

#[test]
fn each_side_is_polled_until_it_is_ready_and_never_after() {
    let (a, a_counts) = counted(Later::new('a', 3));
    let (b, b_counts) = counted(Later::new('b', 1));
    let run = block_on(WakerKind::Vtable, join2(a, b));
    assert_eq!(run.output, ('a', 'b'));
    assert_eq!(a_counts.polls.get(), 4, "a: 3 times Pending, then Ready");
    assert_eq!(b_counts.polls.get(), 2, "b: once Pending, then Ready");
    assert_eq!(
        a_counts.after_ready.get(),
        0,
        "a was polled after it finished"
    );
    assert_eq!(
        b_counts.after_ready.get(),
        0,
        "b was polled after it finished"
    );
    assert_eq!(
        run.polls, 4,
        "the join is polled until its slower side is ready"
    );
}

#[test]
fn the_first_poll_starts_both_sides() {
    let (a, a_counts) = counted(Later::new(1, 2));
    let (b, b_counts) = counted(Later::new(2, 2));
    let mut join = pin!(join2(a, b));
    let mut cx = Context::from_waker(Waker::noop());
    assert!(join.as_mut().poll(&mut cx).is_pending());
    // `(a.await, b.await)` would have polled only `a`: that is sequence,
    // not a join.
    assert_eq!((a_counts.polls.get(), b_counts.polls.get()), (1, 1));
}

#[test]
fn two_ready_futures_are_joined_in_one_poll() {
    let (a, a_counts) = counted(Later::new((), 0));
    let (b, b_counts) = counted(Later::new((), 0));
    let run = block_on(WakerKind::Wake, join2(a, b));
    assert_eq!(run.polls, 1);
    assert_eq!((a_counts.polls.get(), b_counts.polls.get()), (1, 1));
}

#[test]
fn joins_nest() {
    let inner = join2(Later::new(1, 1), Later::new(2, 2));
    let run = block_on(WakerKind::Wake, join2(inner, Later::new(3, 1)));
    assert_eq!(run.output, ((1, 2), 3));
    assert_eq!(run.polls, 3, "as long as the slowest of the three");
}

#[test]
fn sleeps_on_two_threads_overlap() {
    // Each sleep wakes through the waker the join passed down, and both
    // threads were started by the first poll: two or three polls (the
    // second wake may come in before, or after, the poll the first one
    // caused), never more.
    let nap = Duration::from_millis(20);
    let run = block_on(
        WakerKind::Wake,
        join2(ThreadSleep::new(nap), ThreadSleep::new(nap)),
    );
    assert!(run.output.0.is_ok() && run.output.1.is_ok());
    assert!((2..=3).contains(&run.polls), "{} polls", run.polls);
}

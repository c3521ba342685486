//! The wakers count exactly, give every reference back, and wake a parked
//! `block_on` from another thread.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ch13_futures::{Signal, ThreadSleep, WakerKind, block_on, raw_waker};
use std::task::Waker;

fn make(kind: WakerKind, signal: &Arc<Signal>) -> Waker {
    match kind {
        WakerKind::Vtable => raw_waker::waker(signal.clone()),
        WakerKind::Wake => Waker::from(signal.clone()),
    }
}

#[test]
fn both_wakers_count_every_wake_and_leak_nothing() {
    for kind in [WakerKind::Vtable, WakerKind::Wake] {
        let signal = Signal::for_current_thread();
        let waker = make(kind, &signal);
        let clones: Vec<Waker> = (0..10).map(|_| waker.clone()).collect();
        assert_eq!(Arc::strong_count(&signal), 12, "{kind:?}: ours + 11 wakers");
        for _ in 0..5 {
            waker.wake_by_ref();
        }
        for clone in clones {
            clone.wake();
        }
        assert_eq!(signal.wakes(), 15, "{kind:?}");
        assert_eq!(Arc::strong_count(&signal), 2, "{kind:?}: ours + 1 waker");
        drop(waker);
        assert_eq!(
            Arc::strong_count(&signal),
            1,
            "{kind:?}: every reference given back"
        );
    }
}

#[test]
fn a_waker_called_on_another_thread_counts_there_too() {
    for kind in [WakerKind::Vtable, WakerKind::Wake] {
        let signal = Signal::for_current_thread();
        let waker = make(kind, &signal);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let waker = waker.clone();
                thread::spawn(move || (0..100).for_each(|_| waker.wake_by_ref()))
            })
            .collect();
        for t in threads {
            t.join().expect("a waking thread panicked");
        }
        assert_eq!(signal.wakes(), 400, "{kind:?}");
        assert!(
            signal.take_woken() && !signal.take_woken(),
            "one flag, cleared once"
        );
        drop(waker);
        assert_eq!(Arc::strong_count(&signal), 1, "{kind:?}");
    }
}

#[test]
fn block_on_sleeps_until_another_thread_wakes_it() {
    for kind in [WakerKind::Vtable, WakerKind::Wake] {
        let run = block_on(kind, ThreadSleep::new(Duration::from_millis(20)));
        assert!(run.output.is_ok());
        // Polled once, parked, woken once, polled once more: no spinning.
        assert_eq!((run.polls, run.wakes), (2, 1), "{kind:?}");
    }
}

#[test]
fn a_future_ready_at_once_is_polled_once() {
    let run = block_on(WakerKind::Vtable, async { "now" });
    assert_eq!((run.output, run.polls, run.wakes), ("now", 1, 0));
}

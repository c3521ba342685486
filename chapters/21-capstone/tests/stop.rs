//! The stop switch: a future that leaves its task's waker in the switch,
//! woken by a throw on any thread; and a server waiting on it that sleeps
//! in its selector, with no timer, until the throw.

use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use ch21_capstone::probe::PATIENCE;
use ch21_capstone::run::Runtime;
use ch21_capstone::{Config, Stop};
use ghetto_loop::event_loop::{LoopHandle, Pass, WaitReason};
use ghetto_loop::sys::SelectorKind;

// A waker that counts its wake-ups. `Arc::strong_count` on it tells how
// many clones of it are alive, the switch's included.
use course::testing::WakeCount as Count;

fn counting() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count::default());
    (count.clone(), Waker::from(count))
}

/// Throws `stop` on a thread of its own, and waits for that thread.
fn throw_elsewhere(stop: &Stop) {
    let stop = stop.clone();
    thread::spawn(move || stop.trigger())
        .join()
        .expect("the throwing thread does not panic");
}

#[test]
fn a_throw_on_another_thread_wakes_the_waiting_task_once() {
    let stop = Stop::new();
    let mut wait = pin!(stop.wait());
    let (count, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(wait.as_mut().poll(&mut cx), Poll::Pending);
    // Ours, the waker's, the switch's.
    assert_eq!(Arc::strong_count(&count), 3);
    assert_eq!(wait.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(
        Arc::strong_count(&count),
        3,
        "polled again by the same task, it keeps the waker it has"
    );
    assert_eq!(count.woken(), 0, "nothing wakes it before the throw");
    throw_elsewhere(&stop);
    assert_eq!(count.woken(), 1);
    assert_eq!(Arc::strong_count(&count), 2, "the switch let go of it");
    assert_eq!(wait.as_mut().poll(&mut cx), Poll::Ready(()));
    // A wait that begins after the throw is ready at once, and leaves
    // nothing in the switch.
    assert_eq!(pin!(stop.wait()).poll(&mut cx), Poll::Ready(()));
    assert_eq!(Arc::strong_count(&count), 2);
}

#[test]
fn a_dropped_wait_takes_its_waker_out_of_the_switch() {
    let stop = Stop::new();
    let (count, waker) = counting();
    let mut wait = Box::pin(stop.wait());
    assert_eq!(
        wait.as_mut().poll(&mut Context::from_waker(&waker)),
        Poll::Pending
    );
    assert_eq!(Arc::strong_count(&count), 3);
    drop(wait);
    assert_eq!(Arc::strong_count(&count), 2);
    stop.trigger();
    assert_eq!(count.woken(), 0, "nobody waits any more");
}

#[test]
fn every_wait_on_every_clone_is_woken_and_a_moved_wait_wakes_its_new_task() {
    let stop = Stop::new();
    let (first, first_waker) = counting();
    let (second, second_waker) = counting();
    let (moved_to, moved_waker) = counting();
    let mut a = pin!(stop.wait());
    let mut b = pin!(stop.clone().wait());
    assert!(
        a.as_mut()
            .poll(&mut Context::from_waker(&first_waker))
            .is_pending()
    );
    assert!(
        b.as_mut()
            .poll(&mut Context::from_waker(&second_waker))
            .is_pending()
    );
    // `b` is now polled by another task: the switch keeps the new waker
    // and lets go of the old one.
    assert!(
        b.as_mut()
            .poll(&mut Context::from_waker(&moved_waker))
            .is_pending()
    );
    assert_eq!(Arc::strong_count(&second), 2);
    throw_elsewhere(&stop);
    assert_eq!((first.woken(), second.woken(), moved_to.woken()), (1, 0, 1));
}

#[test]
fn the_same_wait_works_on_every_runtime() -> anyhow::Result<()> {
    let ghetto = Stop::new();
    throw_elsewhere(&ghetto);
    ghetto_loop::run(ghetto.wait())?;
    for mut builder in [
        tokio::runtime::Builder::new_current_thread(),
        tokio::runtime::Builder::new_multi_thread(),
    ] {
        let stop = Stop::new();
        let (tell, told) = mpsc::channel();
        let thrown = stop.clone();
        // Thrown while the runtime runs the future: whether the wait has
        // left its waker yet or not, the future ends.
        let thrower = thread::spawn(move || {
            if told.recv_timeout(PATIENCE).is_ok() {
                thrown.trigger();
            }
        });
        builder.build()?.block_on(async {
            let _ = tell.send(());
            stop.wait().await;
        });
        thrower.join().expect("the throwing thread does not panic");
    }
    Ok(())
}

/// How long the idle server is left alone. Any length shows the point: a
/// server that polled its switch every few milliseconds would pass through
/// its timer heap a few times in it, and the assertion is that it never
/// does, however long or short the idle time turns out to be.
const IDLE: Duration = Duration::from_millis(200);

#[test]
fn an_idle_ghetto_loop_server_sleeps_until_the_switch_is_thrown() -> anyhow::Result<()> {
    for selector in [
        SelectorKind::Select,
        SelectorKind::Poll,
        SelectorKind::Epoll,
    ] {
        let passes = Arc::new(Mutex::new(Vec::<Pass>::new()));
        let mut config = Config::local();
        config.selector = selector;
        let stop = Stop::new();
        let (listening, ready) = mpsc::channel();
        let (record, thrown) = (passes.clone(), stop.clone());
        let server = thread::spawn(move || {
            Runtime::Ghetto.serve(config, thrown, move |_| {
                // Called on the loop's thread, while the loop runs.
                LoopHandle::current().on_pass(move |pass| {
                    let mut passes = record.lock().unwrap_or_else(PoisonError::into_inner);
                    passes.push(*pass);
                });
                let _ = listening.send(());
            })
        });
        ready.recv_timeout(PATIENCE)?;
        thread::sleep(IDLE);
        stop.trigger();
        let report = server.join().expect("the server does not panic")?;
        assert!(report.clean);
        let passes = passes.lock().unwrap_or_else(PoisonError::into_inner);
        // The pass in which the throw arrived, through the loop's door.
        let woken = passes.iter().position(|p| p.threadsafe > 0);
        let woken = woken.ok_or_else(|| anyhow::anyhow!("{selector:?}: no wake-up: {passes:?}"))?;
        // Every wait until then was with no timeout (or a zero one, to look
        // at the fds with work queued): no timer, no polling.
        let timed: Vec<_> = passes[..=woken]
            .iter()
            .filter(|p| !matches!(p.reason, WaitReason::Nothing | WaitReason::Ready))
            .collect();
        assert!(
            timed.is_empty(),
            "{selector:?}: an idle server had a timer: {timed:?}"
        );
    }
    Ok(())
}

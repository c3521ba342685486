//! The callback future's promises (chapter 13): asyncio's rules for results
//! and callbacks, misuse as clear errors, and the bridge to `.await`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::rc::Rc;

use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::future::{CallbackFuture, FutureError};

#[test]
fn done_callbacks_run_on_the_loop_never_inline() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let log = Rc::new(RefCell::new(Vec::new()));
    let fut = CallbackFuture::<u32>::new(&lp);
    let l = log.clone();
    fut.add_done_callback(move |f| l.borrow_mut().push(format!("callback {:?}", f.result())));
    fut.set_result(5).expect("first result");
    log.borrow_mut().push("set_result returned".into());
    // Added after it was done: still scheduled, not run here.
    let l = log.clone();
    fut.add_done_callback(move |_| l.borrow_mut().push("late callback".into()));
    log.borrow_mut().push("added late".into());
    lp.run_once()?;
    assert_eq!(
        *log.borrow(),
        [
            "set_result returned",
            "added late",
            "callback Ok(5)",
            "late callback"
        ]
    );
    Ok(())
}

#[test]
fn misuse_is_a_clear_error_not_a_panic() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let fut = lp.create_future::<&str>();
    assert!(matches!(fut.result(), Err(FutureError::NotDone)));
    assert!(!fut.is_done());
    fut.set_result("first").unwrap();
    let err = fut.set_result("second").unwrap_err();
    assert!(matches!(err, FutureError::AlreadyDone));
    assert!(err.to_string().contains("first outcome stays"), "{err}");
    assert!(!fut.cancel(), "cancel of a done future changes nothing");
    assert!(fut.set_error("late").is_err());
    assert_eq!(fut.result().unwrap(), "first");
    Ok(())
}

#[test]
fn cancel_and_error_are_outcomes_too() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let cancelled = lp.create_future::<()>();
    assert!(cancelled.cancel());
    assert!(cancelled.is_cancelled() && cancelled.is_done());
    assert!(matches!(cancelled.result(), Err(FutureError::Cancelled)));

    let failed = lp.create_future::<()>();
    failed
        .set_error(io::Error::new(io::ErrorKind::ConnectionReset, "peer left"))
        .unwrap();
    let err = failed.result().unwrap_err();
    assert!(matches!(err, FutureError::Failed(_)));
    assert_eq!(err.to_string(), "the future failed: peer left");
    assert!(std::error::Error::source(&err).is_some());
    Ok(())
}

/// An awaiting task parks, is woken once when a callback sets the result,
/// and gets the value: two polls in all, whoever else awaits a clone.
#[test]
fn awaiting_stores_the_waker_and_wakes_it_once() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let fut = lp.create_future::<String>();
    let setter = Some(fut.clone());
    let handle = lp.handle();
    let polls = Rc::new(Cell::new(0));
    let counted = polls.clone();
    let other = lp.spawn(fut.clone());
    let mut setter = setter;
    let got = lp.block_on(std::future::poll_fn(move |cx| {
        counted.set(counted.get() + 1);
        // After the first poll has parked, a callback sets the result.
        if let Some(setter) = setter.take() {
            handle.call_soon(move || setter.set_result("hello".into()).unwrap());
        }
        std::pin::Pin::new(&mut fut.clone()).poll(cx)
    }))?;
    assert_eq!(got.unwrap(), "hello");
    assert_eq!(polls.get(), 2);
    assert_eq!(lp.block_on(other)?.unwrap().unwrap(), "hello");
    Ok(())
}

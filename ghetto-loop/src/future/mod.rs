//! The callback future: a result that is not there yet (chapter 13).
//!
//! asyncio's `Future` is a box that someone fills later: code that has the
//! box calls `add_done_callback(cb)`, and whoever fills it (`set_result`)
//! makes the loop call every callback. Results are *pushed* to the callbacks.
//!
//! Rust's `std::future::Future` turns that around: the owner *pulls* by
//! calling `poll`, which answers `Ready(value)` or `Pending`; on `Pending`
//! the future keeps the caller's [`Waker`] and calls it when polling again
//! is worth it. [`CallbackFuture`] is both at once: an asyncio future with
//! callbacks, and a Rust future a task can `.await`. The bridge is small:
//! awaiting it stores the task's waker, and completing it wakes every
//! stored waker once, next to scheduling the callbacks.
//!
//! ```
//! use ghetto_loop::event_loop::EventLoop;
//! use ghetto_loop::future::CallbackFuture;
//! use std::time::Duration;
//!
//! let lp = EventLoop::new()?;
//! let fut = CallbackFuture::<u32>::new(&lp);
//! // Pushed: a callback hears about it...
//! fut.add_done_callback(|f| println!("callback sees {:?}", f.result()));
//! // ...and a timer callback fills it in 10 ms.
//! let filler = fut.clone();
//! lp.call_later(Duration::from_millis(10), move || filler.set_result(42).unwrap());
//! // Pulled: an async block awaits it (`block_on` is chapter 14's).
//! let got = lp.block_on(async { fut.await })?;
//! assert_eq!(got.unwrap(), 42);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::event_loop::LoopHandle;

/// A single-threaded future in asyncio's shape, that can also be awaited.
///
/// Clones share one result. The result is handed out by clone to every
/// callback and every awaiter: wrap a `T` that cannot be cloned in an `Rc`.
pub struct CallbackFuture<T> {
    shared: Rc<Shared<T>>,
}

/// How a [`CallbackFuture`] ended without a value, or how it was misused.
#[derive(Debug, Clone)]
pub enum FutureError {
    /// [`cancel`](CallbackFuture::cancel) was called first.
    Cancelled,
    /// [`set_error`](CallbackFuture::set_error) was called first, with this.
    /// (`Send + Sync`, so `?` turns it into an `io::Error` or an
    /// `anyhow::Error`.)
    Failed(Arc<dyn Error + Send + Sync>),
    /// [`result`](CallbackFuture::result) was asked before the future was
    /// done (asyncio's `InvalidStateError`).
    NotDone,
    /// A result, error or cancellation was set on a future that was done
    /// already (asyncio's `InvalidStateError`).
    AlreadyDone,
}

/// What clones of one future share.
struct Shared<T> {
    lp: LoopHandle,
    state: RefCell<State<T>>,
}

/// A future is pending until it is done, once: `set_result`, `set_error`
/// and `cancel` each move it to `Done`, and nothing moves it back.
enum State<T> {
    Pending {
        /// Run (with `call_soon`) when the future is done.
        callbacks: Vec<DoneCallback<T>>,
        /// Woken once when the future is done: the tasks awaiting it.
        wakers: Vec<Waker>,
    },
    Done(Result<T, FutureError>),
}

type DoneCallback<T> = Box<dyn FnOnce(&CallbackFuture<T>)>;

impl<T: 'static> CallbackFuture<T> {
    /// A pending future whose callbacks run on `lp`.
    pub fn new(lp: &LoopHandle) -> CallbackFuture<T> {
        CallbackFuture {
            shared: Rc::new(Shared {
                lp: lp.clone(),
                state: RefCell::new(State::Pending {
                    callbacks: Vec::new(),
                    wakers: Vec::new(),
                }),
            }),
        }
    }

    /// Completes the future with `value`: schedules every done callback and
    /// wakes every awaiting task.
    ///
    /// Errors: [`FutureError::AlreadyDone`] if it was done already; the
    /// first outcome stays.
    pub fn set_result(&self, value: T) -> Result<(), FutureError> {
        self.complete(Ok(value))
    }

    /// Completes the future with an error (asyncio's `set_exception`).
    pub fn set_error(
        &self,
        error: impl Into<Box<dyn Error + Send + Sync>>,
    ) -> Result<(), FutureError> {
        self.complete(Err(FutureError::Failed(Arc::from(error.into()))))
    }

    /// Cancels the future: it is done, with [`FutureError::Cancelled`].
    /// Returns `false` (and changes nothing) if it was done already, as
    /// asyncio's `cancel()` does.
    pub fn cancel(&self) -> bool {
        self.complete(Err(FutureError::Cancelled)).is_ok()
    }

    /// Whether a result, an error or a cancellation was set.
    pub fn is_done(&self) -> bool {
        matches!(*self.shared.state.borrow(), State::Done(_))
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(
            *self.shared.state.borrow(),
            State::Done(Err(FutureError::Cancelled))
        )
    }

    /// Runs `callback` with this future once it is done, on the loop (with
    /// `call_soon`, never inline, even if it is done already: a callback
    /// never runs in the middle of the code that added it or set the result).
    #[track_caller]
    pub fn add_done_callback(&self, callback: impl FnOnce(&CallbackFuture<T>) + 'static) {
        let mut state = self.shared.state.borrow_mut();
        match &mut *state {
            State::Pending { callbacks, .. } => callbacks.push(Box::new(callback)),
            State::Done(_) => {
                drop(state);
                let this = self.clone();
                self.shared.lp.call_soon(move || callback(&this));
            }
        }
    }

    fn complete(&self, outcome: Result<T, FutureError>) -> Result<(), FutureError> {
        let (callbacks, wakers) = {
            let mut state = self.shared.state.borrow_mut();
            if let State::Done(_) = *state {
                return Err(FutureError::AlreadyDone);
            }
            match std::mem::replace(&mut *state, State::Done(outcome)) {
                State::Pending { callbacks, wakers } => (callbacks, wakers),
                State::Done(_) => unreachable!("checked just above"),
            }
        };
        for callback in callbacks {
            let this = self.clone();
            self.shared.lp.call_soon(move || callback(&this));
        }
        for waker in wakers {
            waker.wake();
        }
        Ok(())
    }
}

impl<T: Clone + 'static> CallbackFuture<T> {
    /// The result: the value, or why there is none. Asked before the future
    /// is done, it is [`FutureError::NotDone`], not a panic.
    pub fn result(&self) -> Result<T, FutureError> {
        match &*self.shared.state.borrow() {
            State::Done(outcome) => outcome.clone(),
            State::Pending { .. } => Err(FutureError::NotDone),
        }
    }
}

impl<T: Clone + 'static> Future for CallbackFuture<T> {
    type Output = Result<T, FutureError>;

    /// `Ready` with a clone of the outcome once done; until then the task's
    /// waker is kept (once per task) and woken when it is done.
    ///
    /// # Cancel safety
    ///
    /// Dropping the await halfway loses nothing: the result stays in the
    /// future for its other clones. The task's waker stays listed until the
    /// future is done (waking a task that no longer waits is harmless), so
    /// a future that stays pending while many short-lived tasks await it
    /// and give up keeps one waker per task: asyncio's done callbacks pile
    /// up the same way.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let known = match &*self.shared.state.borrow() {
            // `T::clone` runs under a shared borrow: a clone that sets this
            // same future would panic. Results are plain data in practice.
            State::Done(outcome) => return Poll::Ready(outcome.clone()),
            State::Pending { wakers, .. } => wakers.iter().any(|w| w.will_wake(cx.waker())),
        };
        if !known {
            // Cloned outside the borrow: a waker's clone is code of its own.
            let waker = cx.waker().clone();
            if let State::Pending { wakers, .. } = &mut *self.shared.state.borrow_mut() {
                wakers.push(waker);
            }
        }
        Poll::Pending
    }
}

impl<T> Clone for CallbackFuture<T> {
    fn clone(&self) -> CallbackFuture<T> {
        CallbackFuture {
            shared: self.shared.clone(),
        }
    }
}

impl<T> fmt::Debug for CallbackFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.shared.state.try_borrow().as_deref() {
            Ok(State::Pending { .. }) => "pending",
            Ok(State::Done(Ok(_))) => "done",
            Ok(State::Done(Err(FutureError::Cancelled))) => "cancelled",
            Ok(State::Done(Err(_))) => "failed",
            Err(_) => "busy",
        };
        f.debug_struct("CallbackFuture")
            .field("state", &state)
            .finish()
    }
}

impl fmt::Display for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::Cancelled => f.write_str("the future was cancelled"),
            FutureError::Failed(e) => write!(f, "the future failed: {e}"),
            FutureError::NotDone => f.write_str("the future has no result yet"),
            FutureError::AlreadyDone => {
                f.write_str("the future is done already; its first outcome stays")
            }
        }
    }
}

impl Error for FutureError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            FutureError::Failed(e) => Some(&**e),
            _ => None,
        }
    }
}

impl LoopHandle {
    /// A new pending [`CallbackFuture`] on this loop (asyncio's
    /// `loop.create_future()`).
    pub fn create_future<T: 'static>(&self) -> CallbackFuture<T> {
        CallbackFuture::new(self)
    }
}

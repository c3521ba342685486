//! `oneshot`: one value, sent once, from one task to another (chapter 17).
//!
//! The smallest channel, and the shape of every "reply to me" in async
//! code: a request carries a [`Sender`], the requester awaits the
//! [`Receiver`]. It is chapter 13's callback future cut in two: the right to
//! set the result (`Sender`, used up by `send`) and the right to await it
//! (`Receiver`, itself a future).
//!
//! # State and invariants
//!
//! ```text
//!   Empty ──send──> Full(v) ──received──> Taken
//!     │                 └──receiver dropped──> Closed (v dropped)
//!     ├──sender dropped──> SenderGone
//!     └──receiver dropped──> Closed (a later send hands v back)
//! ```
//!
//! * The receiver's waker is parked only in `Empty`, the one state in
//!   which it has something to wait for. `send` and the sender's drop
//!   leave `Empty`, and wake it (after the borrow).
//! * Nothing leaves `Taken`, `SenderGone` or `Closed`.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::waker_slot::WakerSlot;

/// Makes a one-value channel: send on the [`Sender`], await the
/// [`Receiver`].
///
/// ```
/// use ghetto_loop::sync::oneshot;
/// use ghetto_loop::task;
///
/// ghetto_loop::run(async {
///     let (reply, answer) = oneshot::channel();
///     task::spawn(async move {
///         task::yield_now().await; // some work
///         reply.send(42).unwrap();
///     });
///     assert_eq!(answer.await, Ok(42));
///
///     let (gone, never) = oneshot::channel::<u32>();
///     drop(gone);
///     assert_eq!(never.await, Err(oneshot::RecvError));
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(Shared {
        state: RefCell::new(State::Empty),
        receiver: WakerSlot::default(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared },
    )
}

/// The sending half: [`send`](Sender::send) uses it up.
pub struct Sender<T> {
    shared: Rc<Shared<T>>,
}

/// The receiving half, a future of the value.
///
/// Await it (or poll `&mut receiver` in a race, to keep it) for
/// `Ok(value)`, or [`RecvError`] if the sender was dropped without sending.
///
/// # Cancel safety
///
/// Cancel safe: a poll that does not return the value leaves it in the
/// channel, so a race that drops the *await* of `&mut receiver` loses
/// nothing, and the receiver can be awaited again. Dropping the `Receiver`
/// itself closes the channel: a value already sent is dropped with it, and
/// a later `send` hands its value back.
#[must_use = "futures do nothing unless awaited"]
pub struct Receiver<T> {
    shared: Rc<Shared<T>>,
}

/// The sender was dropped without sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError;

/// Why [`Receiver::try_recv`] has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing sent yet; the sender may still send.
    Empty,
    /// The sender was dropped without sending, or the value was taken.
    Closed,
}

/// What the two halves share.
struct Shared<T> {
    state: RefCell<State<T>>,
    /// The receiver's task, parked while the state is `Empty`.
    receiver: WakerSlot,
}

/// See the module's header for the transitions.
enum State<T> {
    Empty,
    Full(T),
    Taken,
    SenderGone,
    Closed,
}

impl<T> Sender<T> {
    /// Sends `value`, and wakes the receiver. Never waits: there is room
    /// for exactly one value, and this is the only send.
    ///
    /// Errors: the receiver is gone; `value` comes back in the `Err`.
    pub fn send(self, value: T) -> Result<(), T> {
        {
            let mut state = self.shared.state.borrow_mut();
            if let State::Closed = *state {
                return Err(value);
            }
            *state = State::Full(value);
        }
        self.shared.receiver.wake();
        Ok(())
        // `self` drops here and finds `Full`: nothing more to do.
    }

    /// Whether the receiver is gone (a send would hand its value back).
    pub fn is_closed(&self) -> bool {
        matches!(*self.shared.state.borrow(), State::Closed)
    }
}

impl<T> Drop for Sender<T> {
    /// Dropped without sending: tells the receiver no value will come.
    fn drop(&mut self) {
        {
            let mut state = self.shared.state.borrow_mut();
            if !matches!(*state, State::Empty) {
                return;
            }
            *state = State::SenderGone;
        }
        self.shared.receiver.wake();
    }
}

impl<T> Receiver<T> {
    /// The value if it was sent, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = self.shared.state.borrow_mut();
        match std::mem::replace(&mut *state, State::Taken) {
            State::Full(value) => Ok(value),
            State::Empty => {
                *state = State::Empty;
                Err(TryRecvError::Empty)
            }
            other => {
                *state = other;
                Err(TryRecvError::Closed)
            }
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    /// # Panics
    ///
    /// If polled again after it returned the value.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        {
            let mut state = self.shared.state.borrow_mut();
            match std::mem::replace(&mut *state, State::Taken) {
                State::Full(value) => return Poll::Ready(Ok(value)),
                State::SenderGone => {
                    *state = State::SenderGone;
                    return Poll::Ready(Err(RecvError));
                }
                State::Empty => *state = State::Empty,
                State::Taken => panic!("oneshot `Receiver` polled after it returned its value"),
                State::Closed => unreachable!("only the receiver's drop closes the channel"),
            }
        }
        // Still `Empty`: park, outside the borrow.
        self.shared.receiver.register(cx.waker());
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    /// Closes the channel; a value already sent is dropped here, after the
    /// borrow (its destructor is code not ours).
    fn drop(&mut self) {
        let old = std::mem::replace(&mut *self.shared.state.borrow_mut(), State::Closed);
        drop(old);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.shared.state.try_borrow().as_deref() {
            Ok(State::Empty) => "empty",
            Ok(State::Full(_)) => "full",
            Ok(State::Taken) => "taken",
            Ok(State::SenderGone) => "sender gone",
            Ok(State::Closed) => "closed",
            Err(_) => "busy",
        };
        f.debug_struct("Receiver").field("state", &state).finish()
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the sender was dropped without sending")
    }
}

impl Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("nothing sent yet"),
            TryRecvError::Closed => f.write_str("no value will come"),
        }
    }
}

impl Error for TryRecvError {}

//! `mpsc`: a bounded channel with backpressure, many senders, one receiver (chapter 17).
//!
//! A queue of `capacity` slots between tasks. A full channel makes
//! [`send`](Sender::send) *wait*: that is **backpressure**, a fast producer
//! slowed to the pace of its consumer instead of filling memory (an
//! unbounded channel is a queue that a slow consumer lets grow forever).
//! [`recv`](Receiver::recv) waits while the channel is empty, and returns
//! `None` once every sender is gone and the queue is drained: the end of
//! the stream. A send to a channel whose receiver is gone hands its value
//! back in [`SendError`].
//!
//! # State and invariants
//!
//! ```text
//!   Chan { slots: Semaphore(capacity), queue: [v1, v2, ...], senders, receiver waker }
//! ```
//!
//! The free slots are a [`Semaphore`], so senders wait for room the way
//! tasks wait for a permit: FIFO, handed off, and cancel safe, all for free.
//!
//! * `queue.len()` + free slots + slots held by sends in progress =
//!   `capacity`, while the receiver lives. A send takes a slot (a permit),
//!   puts its value in the queue and *forgets* the permit: the queued
//!   value stands for it. `recv` takes a value out and adds the slot back,
//!   which hands it to the first waiting sender.
//! * `slots` is closed exactly when the receiver is gone or
//!   [closed](Receiver::close): waiting senders are woken and hand their
//!   values back, and no value enters the queue after that.
//! * `senders` counts live [`Sender`]s. When it reaches 0 the receiver is
//!   woken, to drain the queue and then see the end.
//!
//! **What a wake means**: for the receiver, a value was queued or the last
//! sender left; for a sender, the semaphore handed it a slot, or closed.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::semaphore::{Acquire, Semaphore, TryAcquireError};
use super::waker_slot::WakerSlot;

/// Makes a channel with room for `capacity` values.
///
/// # Panics
///
/// If `capacity` is 0 (a channel with no room could never carry a value;
/// a rendezvous channel is another design).
///
/// ```
/// use ghetto_loop::sync::mpsc;
/// use ghetto_loop::task;
///
/// ghetto_loop::run(async {
///     let (tx, mut rx) = mpsc::channel(2);
///     let producer = task::spawn(async move {
///         for i in 0..5 {
///             tx.send(i).await.unwrap(); // waits while 2 are queued
///         }
///     }); // `tx` dropped: the receiver will see the end
///     let mut got = Vec::new();
///     while let Some(i) = rx.recv().await {
///         got.push(i);
///     }
///     assert_eq!(got, [0, 1, 2, 3, 4]);
///     producer.await.unwrap();
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "mpsc::channel: the capacity must be at least 1"
    );
    let chan = Rc::new(Chan {
        slots: Semaphore::new(capacity),
        queue: RefCell::new(VecDeque::with_capacity(capacity)),
        senders: Cell::new(1),
        receiver: WakerSlot::default(),
        capacity,
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// A sending half; clone it for more senders.
pub struct Sender<T> {
    chan: Rc<Chan<T>>,
}

/// The receiving half.
pub struct Receiver<T> {
    chan: Rc<Chan<T>>,
}

/// The future of [`Sender::send`].
#[must_use = "futures do nothing unless awaited"]
pub struct Sending<'a, T> {
    chan: &'a Chan<T>,
    slot: Acquire<'a>,
    /// The value, until it is queued or handed back.
    value: Option<T>,
}

/// The future of [`Receiver::recv`].
#[must_use = "futures do nothing unless awaited"]
pub struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
}

/// The receiver is gone (or closed): here is the value back.
#[derive(PartialEq, Eq)]
pub struct SendError<T>(pub T);

/// Why [`Sender::try_send`] did not send; the value comes back in both.
#[derive(PartialEq, Eq)]
pub enum TrySendError<T> {
    /// No room now.
    Full(T),
    /// The receiver is gone (or closed).
    Closed(T),
}

/// Why [`Receiver::try_recv`] has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing queued now; a sender may still send.
    Empty,
    /// Nothing queued, and every sender is gone (or the receiver closed).
    Disconnected,
}

/// What the halves share; see the module's header for the invariants.
struct Chan<T> {
    /// Free slots. Closed when the receiver is gone or closed.
    slots: Semaphore,
    /// Values sent, not yet received.
    queue: RefCell<VecDeque<T>>,
    /// Live senders.
    senders: Cell<usize>,
    /// The receiver's task, parked while the queue is empty.
    receiver: WakerSlot,
    capacity: usize,
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the channel is full. Senders waiting
    /// for room are served in FIFO order.
    ///
    /// Errors: the receiver is gone or closed; the value comes back.
    ///
    /// # Cancel safety
    ///
    /// Dropped before it got a slot, it sent nothing, leaves the queue of
    /// waiting senders, and **drops the value** with the future (use
    /// [`reserve`](Sender::reserve) to keep it: a dropped `reserve` holds
    /// no value). Dropped after a slot was handed to it but before its task
    /// ran, it gives the slot to the next waiting sender. No slot is ever
    /// lost, and a value is never half sent: once `send` has queued it, it
    /// has returned.
    pub fn send(&self, value: T) -> Sending<'_, T> {
        Sending {
            chan: &self.chan,
            slot: self.chan.slots.acquire(),
            value: Some(value),
        }
    }

    /// Waits for a slot and keeps it, without a value yet: the
    /// [`SendPermit`] sends without waiting. For a value that must not be
    /// lost if the wait is cancelled (a `select` on `reserve` drops
    /// nothing but the place in line).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`Semaphore::acquire`] is.
    pub async fn reserve(&self) -> Result<SendPermit<'_, T>, SendError<()>> {
        match self.chan.slots.acquire().await {
            Ok(permit) => {
                permit.forget(); // the `SendPermit` stands for it now
                Ok(SendPermit { chan: &self.chan })
            }
            Err(_) => Err(SendError(())),
        }
    }

    /// Sends `value` if there is room now, never waiting, and never
    /// ahead of senders already waiting.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan.slots.try_acquire() {
            Ok(permit) => {
                permit.forget();
                self.chan.push(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Whether the receiver is gone or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.slots.is_closed()
    }

    /// How many values fit in the channel.
    pub fn capacity(&self) -> usize {
        self.chan.capacity
    }
}

/// A slot reserved by [`Sender::reserve`]: [`send`](SendPermit::send)
/// fills it without waiting; dropped unused, the slot is given back.
#[must_use = "the slot is given back as soon as the permit is dropped"]
pub struct SendPermit<'a, T> {
    chan: &'a Chan<T>,
}

impl<T> SendPermit<'_, T> {
    /// Queues `value` in the reserved slot. If the receiver closed
    /// meanwhile, the value is dropped (as a send that came just before the
    /// close would have been).
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The queued value stands for the slot from here: no give-back.
        std::mem::forget(self);
        if chan.slots.is_closed() {
            drop(value);
        } else {
            chan.push(value);
        }
    }
}

impl<T> Drop for SendPermit<'_, T> {
    fn drop(&mut self) {
        self.chan.slots.add_permits(1);
    }
}

impl<T> Receiver<T> {
    /// The next value, waiting while the channel is empty; `None` once
    /// every sender is gone (or [`close`](Receiver::close) was called) and
    /// every value sent before has been received.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a value leaves the channel only in the poll that
    /// returns it, so a dropped `recv` received nothing and the value is
    /// there for the next one.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv { receiver: self }
    }

    /// The poll behind [`recv`](Receiver::recv) (and the receiver's
    /// `Stream` implementation).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let chan = &*self.chan;
        let value = chan.queue.borrow_mut().pop_front();
        if let Some(value) = value {
            // A slot is free again: to the first waiting sender, if any.
            chan.slots.add_permits(1);
            return Poll::Ready(Some(value));
        }
        if chan.senders.get() == 0 || chan.slots.is_closed() {
            return Poll::Ready(None);
        }
        chan.receiver.register(cx.waker());
        Poll::Pending
    }

    /// The next value if one is queued, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let chan = &*self.chan;
        let value = chan.queue.borrow_mut().pop_front();
        match value {
            Some(value) => {
                chan.slots.add_permits(1);
                Ok(value)
            }
            None if chan.senders.get() == 0 || chan.slots.is_closed() => {
                Err(TryRecvError::Disconnected)
            }
            None => Err(TryRecvError::Empty),
        }
    }

    /// Closes the channel from this end: senders waiting and to come get
    /// their values back; values already queued can still be received.
    /// (A graceful shutdown: stop the intake, drain what came.)
    pub fn close(&mut self) {
        self.chan.slots.close();
    }
}

impl<T> Chan<T> {
    /// Queues a value whose slot was taken, and wakes the receiver.
    fn push(&self, value: T) {
        self.queue.borrow_mut().push_back(value);
        self.receiver.wake();
    }
}

impl<T> Future for Sending<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let outcome = match Pin::new(&mut this.slot).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(outcome) => outcome,
        };
        let value = this
            .value
            .take()
            .expect("`Sending` polled after it completed");
        match outcome {
            // Handed a slot before the receiver closed, run after it: the
            // value comes back (the permit is dropped, harmlessly).
            Ok(_) if this.chan.slots.is_closed() => Poll::Ready(Err(SendError(value))),
            Ok(permit) => {
                permit.forget(); // the queued value stands for it
                this.chan.push(value);
                Poll::Ready(Ok(()))
            }
            Err(_) => Poll::Ready(Err(SendError(value))),
        }
    }
}

// The value is never pinned (it is moved into the queue), so a `Sending` may
// move whatever `T` is.
impl<T> Unpin for Sending<'_, T> {}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.receiver.poll_recv(cx)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.senders.set(self.chan.senders.get() + 1);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    /// The last sender gone: the receiver is woken to see the end.
    fn drop(&mut self) {
        let left = self.chan.senders.get() - 1;
        self.chan.senders.set(left);
        if left == 0 {
            self.chan.receiver.wake();
        }
    }
}

impl<T> Drop for Receiver<T> {
    /// Closes the channel (waiting senders get their values back) and drops
    /// the values still queued, after the borrow: their destructors are
    /// code not ours.
    fn drop(&mut self) {
        self.chan.slots.close();
        let queued = std::mem::take(&mut *self.chan.queue.borrow_mut());
        drop(queued);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("capacity", &self.chan.capacity)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let queued = self.chan.queue.try_borrow().map(|q| q.len()).ok();
        f.debug_struct("Receiver")
            .field("capacity", &self.chan.capacity)
            .field("queued", &queued)
            .field("senders", &self.chan.senders.get())
            .finish()
    }
}

impl<T> fmt::Debug for Sending<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sending").field("slot", &self.slot).finish()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for SendPermit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendPermit").finish_non_exhaustive()
    }
}

// Like std's channel errors, these print without the value, so `T` need
// not be `Debug` for `unwrap()` or `?`.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the receiver is gone; the value was not sent")
    }
}

impl<T> Error for SendError<T> {}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("the channel is full"),
            TrySendError::Closed(_) => f.write_str("the receiver is gone"),
        }
    }
}

impl<T> Error for TrySendError<T> {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("the channel is empty"),
            TryRecvError::Disconnected => f.write_str("the channel is empty and closed"),
        }
    }
}

impl Error for TryRecvError {}

//! `WakerSlot`: where one waiter leaves its waker (chapter 17).
//!
//! Every primitive of `sync` parks a task the same way: the future keeps the
//! task's [`Waker`] in a slot, and whoever makes progress possible takes it
//! out and calls it. Only the waker moves: no value, no permit. What a wake
//! *means* is up to the primitive (its state says it; the slot does not).
//!
//! The slot is a `Cell`, apart from the primitive's `RefCell` state, for
//! the runtime's one rule about user code: cloning, calling and dropping a
//! waker run code that is not ours (a waker may be any executor's), so none
//! of them may happen while the primitive's state is borrowed. A primitive
//! decides under its borrow *whom* to wake, lets the borrow go, and only
//! then calls [`WakerSlot::wake`].

use std::cell::Cell;
use std::fmt;
use std::task::Waker;

/// One parked waiter's waker, or nothing.
#[derive(Default)]
pub(crate) struct WakerSlot(Cell<Option<Waker>>);

impl WakerSlot {
    /// Keeps `waker` for the next wake-up. A task polled again with the
    /// same waker (the usual case) costs a comparison, no clone; a future
    /// that moved to another task replaces the old waker, which is dropped
    /// here, after the comparison, outside any borrow of the caller's
    /// state (the caller must not hold one).
    pub(crate) fn register(&self, waker: &Waker) {
        match self.0.take() {
            Some(kept) if kept.will_wake(waker) => self.0.set(Some(kept)),
            old => {
                self.0.set(Some(waker.clone()));
                drop(old);
            }
        }
    }

    /// Wakes the waiter, if one is parked here, and empties the slot: a
    /// wake-up is used once. Call it with no borrow of the state held.
    pub(crate) fn wake(&self) {
        if let Some(waker) = self.0.take() {
            waker.wake();
        }
    }
}

impl fmt::Debug for WakerSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Look without cloning: take the waker out and put it back.
        let waker = self.0.take();
        let parked = waker.is_some();
        self.0.set(waker);
        f.debug_struct("WakerSlot")
            .field("parked", &parked)
            .finish()
    }
}

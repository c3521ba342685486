//! The same waker as `Waker::from(Arc<Signal>)`, built by hand with a
//! `RawWakerVTable` (chapter 13).
//!
//! A `Waker` is a data pointer and a table of four functions: `clone`,
//! `wake` (which consumes the waker), `wake_by_ref` (which does not) and
//! `drop`. It is type-erased so that every executor can put what it likes
//! behind the pointer: tokio and async-task point at the task's own
//! allocation, with the reference count in its header. Here the pointer is
//! an `Arc<Signal>` turned into a raw pointer, and the four functions are
//! what `Arc` would do: count a clone, give the count back on drop.
//!
//! Get one of them wrong and nothing complains at compile time: a missing
//! decrement leaks the `Signal`, a missing increment frees it while a
//! waker still points at it. That is why [`crate::signal`]'s safe
//! `std::task::Wake` is the better choice, and what ghetto-loop uses; this
//! file is here to show what `Wake` writes for you.

use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::signal::Signal;

/// The four functions every waker made by [`waker`] calls.
static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker that calls [`Signal::notify`], owning one reference to `signal`.
///
/// ```
/// use ch13_futures::{Signal, raw_waker};
/// use std::sync::Arc;
///
/// let signal = Signal::for_current_thread();
/// let waker = raw_waker::waker(signal.clone());
/// waker.wake_by_ref();
/// waker.clone().wake();
/// drop(waker);
/// assert_eq!(signal.wakes(), 2);
/// assert_eq!(Arc::strong_count(&signal), 1, "every reference given back");
/// ```
pub fn waker(signal: Arc<Signal>) -> Waker {
    let data = Arc::into_raw(signal).cast::<()>();
    // SAFETY: `data` is one strong reference of an `Arc<Signal>`, and the
    // four functions of VTABLE treat it as exactly that (each says how it
    // keeps the count right). `Signal` is `Send + Sync`, so the waker may be
    // sent to, and called from, any thread, as `Waker` allows.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

/// Makes a second waker: one more reference to the same `Signal`.
///
/// # Safety
///
/// `data` must be the pointer of a live waker made by [`waker`].
unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` came from `Arc::into_raw` (see `waker`), and the waker
    // being cloned still owns its reference, so the count is at least 1.
    unsafe { Arc::increment_strong_count(data.cast::<Signal>()) };
    RawWaker::new(data, &VTABLE)
}

/// Wakes, and uses up the waker's reference.
///
/// # Safety
///
/// As `clone`; the waker is consumed and `drop_waker` is not called for it.
unsafe fn wake(data: *const ()) {
    // SAFETY: `data` came from `Arc::into_raw` and this waker owns one
    // reference, which `wake` consumes: taking it back as an `Arc` that is
    // dropped at the end of this function gives it back.
    let signal = unsafe { Arc::from_raw(data.cast::<Signal>()) };
    signal.notify();
}

/// Wakes, and leaves the waker as it was.
///
/// # Safety
///
/// As `clone`.
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: as in `wake`, but the waker keeps its reference:
    // `ManuallyDrop` stops the `Arc` from giving it back.
    let signal = ManuallyDrop::new(unsafe { Arc::from_raw(data.cast::<Signal>()) });
    signal.notify();
}

/// Drops a waker: gives its reference back.
///
/// # Safety
///
/// As `clone`; called once per waker, as its last use.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: `data` came from `Arc::into_raw`, and this waker's reference
    // is given back exactly once, here, by dropping the rebuilt `Arc`.
    drop(unsafe { Arc::from_raw(data.cast::<Signal>()) });
}

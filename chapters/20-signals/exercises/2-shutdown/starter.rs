// Exercise 20-2: a shutdown coordinator. See README.md.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

// What you need, imported for you (unused until you use it).
#[allow(unused_imports)]
use ghetto_loop::sync::Event;
#[allow(unused_imports)]
use ghetto_loop::time::timeout;

/// Tells every part of a program that it is time to stop, and counts the
/// work still in flight. Clones share one coordinator.
#[derive(Debug, Clone)]
pub struct Shutdown {
    inner: Rc<Inner>,
}

/// Shared by the clones and the guards. Change it as you like; one way:
/// an `Event` for "triggered", a count of guards, and an `Event` raised
/// exactly while the count is 0.
#[derive(Debug)]
struct Inner {
    in_flight: Cell<usize>,
}

/// One piece of work in flight: alive from `guard()` to its drop.
#[derive(Debug)]
pub struct Guard {
    inner: Rc<Inner>,
}

/// `drained` gave up: this much work was still in flight at the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unfinished {
    /// Guards still alive.
    pub left: usize,
}

impl Shutdown {
    /// A coordinator, not triggered, with nothing in flight.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Shutdown {
        todo!("build the shared state")
    }

    /// It is time to stop: every `wait`, now and later, returns.
    pub fn trigger(&self) {
        todo!()
    }

    /// Whether `trigger` was called.
    pub fn is_triggered(&self) -> bool {
        todo!()
    }

    /// Returns once `trigger` has been called (at once if it was).
    pub async fn wait(&self) {
        todo!()
    }

    /// Counts one more piece of work in flight, until the guard is dropped.
    pub fn guard(&self) -> Guard {
        todo!()
    }

    /// Guards alive now.
    pub fn in_flight(&self) -> usize {
        todo!()
    }

    /// Waits until no guard is alive, for at most `deadline`.
    pub async fn drained(&self, deadline: Duration) -> Result<(), Unfinished> {
        todo!("wait for the count to reach 0, inside a timeout")
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Your code: one less in flight; wake `drained` at 0.
    }
}

// Exercise 20-2: a shutdown coordinator. See README.md.
//
// The reference solution; compare with the chapter's server
// (src/server/mod.rs), which gets the same from a task group and `select`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::sync::Event;
use ghetto_loop::time::timeout;

/// Tells every part of a program that it is time to stop, and counts the
/// work still in flight. Clones share one coordinator.
#[derive(Debug, Clone)]
pub struct Shutdown {
    inner: Rc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Raised by `trigger`, never lowered.
    triggered: Event,
    /// Guards alive now.
    in_flight: Cell<usize>,
    /// Raised exactly while `in_flight` is 0.
    idle: Event,
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
        let idle = Event::new();
        idle.set();
        Shutdown {
            inner: Rc::new(Inner {
                triggered: Event::new(),
                in_flight: Cell::new(0),
                idle,
            }),
        }
    }

    /// It is time to stop: every `wait`, now and later, returns.
    pub fn trigger(&self) {
        self.inner.triggered.set();
    }

    /// Whether `trigger` was called.
    pub fn is_triggered(&self) -> bool {
        self.inner.triggered.is_set()
    }

    /// Returns once `trigger` has been called (at once if it was).
    pub async fn wait(&self) {
        self.inner.triggered.wait().await;
    }

    /// Counts one more piece of work in flight, until the guard is dropped.
    pub fn guard(&self) -> Guard {
        let n = self.inner.in_flight.get();
        self.inner.in_flight.set(n + 1);
        self.inner.idle.clear();
        Guard {
            inner: self.inner.clone(),
        }
    }

    /// Guards alive now.
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.get()
    }

    /// Waits until no guard is alive, for at most `deadline`.
    pub async fn drained(&self, deadline: Duration) -> Result<(), Unfinished> {
        let all_done = async {
            // A wake means "it was 0 at some point": look again, a new
            // guard may have been taken since.
            while self.in_flight() > 0 {
                self.inner.idle.wait().await;
            }
        };
        timeout(deadline, all_done).await.map_err(|_| Unfinished {
            left: self.in_flight(),
        })
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let n = self.inner.in_flight.get() - 1;
        self.inner.in_flight.set(n);
        if n == 0 {
            self.inner.idle.set();
        }
    }
}

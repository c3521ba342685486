//! The switch that stops the app: a flag, and the wakers of the tasks that
//! wait for it, thrown from any thread, awaited on any runtime (chapter 21).
//!
//! [`Stop::wait`] is a future written by hand against nothing but the
//! standard library: when the switch is not thrown yet it leaves the
//! current task's [`Waker`] in the switch and says `Pending`; [`Stop::trigger`]
//! sets the flag and calls every waker it finds there. Nothing polls: a
//! waiting server sleeps in its selector until the switch is thrown, and
//! wakes at once when it is.
//!
//! That one future works on ghetto-loop, on tokio's current-thread runtime
//! and on its multi-thread runtime, because the waker is the one interface
//! every runtime shares. A `std::task::Waker` is `Send + Sync` by contract,
//! so any thread may call it, and each runtime keeps that promise its own
//! way: ghetto-loop's waker names the task by its key and, called from
//! another thread, pushes the key through the loop's door and rings its
//! doorbell (an eventfd) so the selector's wait returns; tokio's pushes the
//! task on its scheduler's queue and unparks a thread (its own eventfd, in
//! the I/O driver). The switch needs to know none of that.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// Asks a running app to shut down gracefully, from any thread. The
/// signal watchers throw it too. Clones share one switch.
///
/// ```
/// use ch21_capstone::Stop;
///
/// let stop = Stop::new();
/// let thrower = stop.clone();
/// let other = std::thread::spawn(move || thrower.trigger());
/// // The same future on the course's runtime and on tokio: the thread's
/// // `trigger` reaches either through the task's waker.
/// ghetto_loop::run(stop.wait())?;
/// tokio::runtime::Builder::new_current_thread().build()?.block_on(stop.wait());
/// other.join().expect("the thread does not panic");
/// assert!(stop.is_triggered());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<Mutex<Switch>>);

/// What the clones of a [`Stop`] share.
#[derive(Debug, Default)]
struct Switch {
    /// Thrown: stays true for good.
    thrown: bool,
    /// The wakers of the [`Wait`]s that are pending, by their number.
    /// Empty once `thrown`: `trigger` takes them all.
    waiting: BTreeMap<u64, Waker>,
    /// The number the next `Wait` to register takes.
    next_waiter: u64,
}

impl Stop {
    /// A switch not yet thrown.
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Starts the graceful shutdown: sets the flag, and wakes every task
    /// waiting in [`Stop::wait`]. Throwing it again does nothing more.
    pub fn trigger(&self) {
        let waiting = {
            let mut switch = self.lock();
            switch.thrown = true;
            std::mem::take(&mut switch.waiting)
        };
        // Woken after the lock is released: on a multi-thread runtime the
        // woken task may run at once on another thread, and the first thing
        // it does is look at the switch.
        for waker in waiting.into_values() {
            waker.wake();
        }
    }

    /// Whether shutdown was asked for.
    pub fn is_triggered(&self) -> bool {
        self.lock().thrown
    }

    /// A future that ends when the switch is thrown (at once if it was).
    pub fn wait(&self) -> Wait {
        Wait {
            stop: self.clone(),
            number: None,
        }
    }

    /// The shared state. A thread that panicked while holding the lock
    /// cannot have left it half changed (each change is one assignment or
    /// one map operation), so a poisoned lock is used as it is.
    fn lock(&self) -> MutexGuard<'_, Switch> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The future [`Stop::wait`] returns.
///
/// # Cancel safety
///
/// Dropping it before it is ready takes its waker out of the switch, so an
/// abandoned wait leaves nothing behind; and it misses nothing, since a
/// thrown switch stays thrown and a new `wait` is ready at once.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Wait {
    stop: Stop,
    /// Its key in `Switch::waiting`, once it has left a waker there.
    number: Option<u64>,
}

impl Future for Wait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut switch = this.stop.lock();
        if switch.thrown {
            // `trigger` took our waker with the others.
            this.number = None;
            return Poll::Ready(());
        }
        let number = *this.number.get_or_insert_with(|| {
            switch.next_waiter += 1;
            switch.next_waiter
        });
        // Polled again, perhaps by another task or on another thread:
        // keep the newest waker, without cloning one that wakes the same
        // task (a clone may cost an allocation or an atomic increment).
        match switch.waiting.get_mut(&number) {
            Some(waker) => waker.clone_from(cx.waker()),
            None => {
                switch.waiting.insert(number, cx.waker().clone());
            }
        }
        Poll::Pending
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if let Some(number) = self.number {
            self.stop.lock().waiting.remove(&number);
        }
    }
}

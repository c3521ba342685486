//! `ThreadSleep`: a future that another thread wakes (chapter 13).
//!
//! The first poll starts a thread that sleeps and then calls the waker it
//! finds in the shared state. Every poll stores the newest waker there, so
//! the wake reaches whoever polled last. This is the async-book's
//! `TimerFuture`; a thread per timer is, as mini-tokio says of its own,
//! "obviously a terrible implementation strategy": chapter 16 keeps timers
//! in the loop's heap instead. It is here because it wakes from elsewhere,
//! which `Later` does not: the executor must really sleep, and really be
//! woken.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// Ready `duration` after its first poll; `Err` if no thread could be
/// started for it.
///
/// ```
/// use ch13_futures::{ThreadSleep, WakerKind, block_on};
/// use std::time::Duration;
///
/// let run = block_on(WakerKind::Wake, ThreadSleep::new(Duration::from_millis(5)));
/// assert!(run.output.is_ok());
/// assert_eq!((run.polls, run.wakes), (2, 1));
/// ```
#[derive(Debug)]
pub struct ThreadSleep {
    duration: Duration,
    /// `None` until the first poll starts the thread.
    shared: Option<Arc<Mutex<Shared>>>,
}

/// What the future and its thread share.
#[derive(Debug, Default)]
struct Shared {
    /// The thread's sleep is over.
    done: bool,
    /// The waker of the last poll, taken by the thread when it is done.
    waker: Option<Waker>,
}

impl ThreadSleep {
    /// Sleeps `duration`, counted from the first poll (as every Rust future,
    /// it does nothing until polled).
    pub fn new(duration: Duration) -> ThreadSleep {
        ThreadSleep {
            duration,
            shared: None,
        }
    }
}

impl Future for ThreadSleep {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let shared = match &this.shared {
            Some(shared) => shared.clone(),
            None => {
                let shared = Arc::new(Mutex::new(Shared::default()));
                let theirs = shared.clone();
                let duration = this.duration;
                let started = thread::Builder::new()
                    .name("thread-sleep".into())
                    .spawn(move || {
                        thread::sleep(duration);
                        let waker = {
                            let mut state = lock(&theirs);
                            state.done = true;
                            state.waker.take()
                        };
                        // Woken outside the lock: a waker is someone else's
                        // code, and may take its time.
                        if let Some(waker) = waker {
                            waker.wake();
                        }
                    });
                if let Err(e) = started {
                    return Poll::Ready(Err(e));
                }
                this.shared = Some(shared.clone());
                shared
            }
        };
        let mut state = lock(&shared);
        if state.done {
            return Poll::Ready(Ok(()));
        }
        // Keep the newest waker: a future may be polled by a different task
        // (or executor) than last time, and the old waker would wake the
        // wrong one. `will_wake` spares a clone when it is the same.
        match &state.waker {
            Some(old) if old.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

/// A poisoned lock only means the other side panicked while holding it;
/// `Shared` is two plain fields, still consistent, so carry on.
fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

//! The thread pool behind `spawn_blocking` (chapter 19).
//!
//! Jobs wait in one FIFO queue under a mutex; idle threads sleep on a
//! condition variable. Submitting a job wakes an idle thread if there is
//! one, starts a new thread if the pool is below its maximum, and otherwise
//! leaves the job queued until a thread is free: **a full pool queues, it
//! never refuses** (tokio does the same; its default maximum is 512). A
//! thread that has been idle for the keep-alive ends, so a burst of work
//! does not leave its threads behind.
//!
//! Pool threads block every signal: a signal meant for the loop (chapter
//! 20's `signalfd`, or Ctrl-C) must not be delivered to, and handled or
//! lost in, a thread that is busy reading a file.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::Duration;

/// A job: anything that runs once on a pool thread.
type Job = Box<dyn FnOnce() + Send>;

/// A pool of OS threads for blocking work.
///
/// ```
/// use ghetto_loop::blocking::Pool;
/// use std::time::Duration;
///
/// let pool = Pool::new(2, Duration::from_millis(50));
/// let answer = ghetto_loop::run(pool.spawn(|| 6 * 7))?;
/// assert_eq!(answer.unwrap(), 42);
/// assert_eq!(pool.threads(), 1, "grown on demand");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Pool {
    shared: Arc<Shared>,
}

/// What the pool's threads and its handles share.
struct Shared {
    state: Mutex<State>,
    /// Signalled when a job is queued (and when the pool shuts down).
    work: Condvar,
    max_threads: usize,
    keep_alive: Duration,
}

/// Invariant: `idle <= threads <= max_threads`; a queued job exists only
/// while every thread is busy or has just been told to take it.
struct State {
    queue: VecDeque<Job>,
    /// Threads alive.
    threads: usize,
    /// Threads waiting for a job.
    idle: usize,
}

impl Pool {
    /// A pool that grows to at most `max_threads` threads, each ending
    /// after `keep_alive` without work. No thread starts before the first
    /// job.
    ///
    /// # Panics
    ///
    /// If `max_threads` is zero: a pool that cannot run anything is a bug.
    pub fn new(max_threads: usize, keep_alive: Duration) -> Pool {
        assert!(max_threads > 0, "a thread pool needs at least one thread");
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                }),
                work: Condvar::new(),
                max_threads,
                keep_alive,
            }),
        }
    }

    /// The process's pool, used by `spawn_blocking`: up to 64 threads, each
    /// ending after 10 s idle.
    pub fn global() -> &'static Pool {
        static GLOBAL: OnceLock<Pool> = OnceLock::new();
        GLOBAL.get_or_init(|| Pool::new(64, Duration::from_secs(10)))
    }

    /// Queues `job`; a thread runs it as soon as one is free.
    pub(crate) fn execute(&self, job: Job) -> io::Result<()> {
        let mut state = self.shared.lock();
        state.queue.push_back(job);
        if state.idle > 0 {
            drop(state);
            self.shared.work.notify_one();
        } else if state.threads < self.shared.max_threads {
            state.threads += 1;
            drop(state);
            let shared = self.shared.clone();
            let spawned = thread::Builder::new()
                .name("ghetto-blocking".into())
                .spawn(move || worker(shared));
            if let Err(e) = spawned {
                // Out of threads: the job stays queued for a thread that
                // exists, if any; with none, it would wait forever.
                let mut state = self.shared.lock();
                state.threads -= 1;
                if state.threads == 0 {
                    state.queue.pop_back();
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Jobs queued and not yet taken by a thread.
    pub fn queue_depth(&self) -> usize {
        self.shared.lock().queue.len()
    }

    /// Threads alive (busy or idle).
    pub fn threads(&self) -> usize {
        self.shared.lock().threads
    }

    /// Threads waiting for a job.
    pub fn idle_threads(&self) -> usize {
        self.shared.lock().idle
    }
}

/// A pool thread: take jobs until none comes for the keep-alive.
fn worker(shared: Arc<Shared>) {
    // Best effort: a thread that cannot block signals still works.
    let _ = crate::sys::block_all_signals();
    let mut state = shared.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            // A panic is caught inside the job (see `spawn`), so a job never
            // takes its thread down.
            job();
            state = shared.lock();
            continue;
        }
        state.idle += 1;
        let (next, timeout) = shared
            .work
            .wait_timeout_while(state, shared.keep_alive, |s| s.queue.is_empty())
            .unwrap_or_else(|p| p.into_inner());
        state = next;
        state.idle -= 1;
        if timeout.timed_out() && state.queue.is_empty() {
            state.threads -= 1;
            return;
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run outside the lock, so a poisoned lock only means a panic
        // between two plain field updates: the state is still whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Pool")
            .field("threads", &state.threads)
            .field("idle", &state.idle)
            .field("queued", &state.queue.len())
            .field("max_threads", &self.shared.max_threads)
            .field("keep_alive", &self.shared.keep_alive)
            .finish()
    }
}

//! The wake-up workloads of `make bench-counts`: a task that parks again
//! and again, woken from the loop's thread or from a thread of its own, the
//! same code on both runtimes.
//!
//! A count per operation repeats only if every operation takes the same
//! path, and two threads race unless one waits for the other. So the waking
//! thread never guesses: it wakes the task only after the *loop* has said
//! the task is parked, from the runtime's own hook that runs once the
//! task's poll has returned (tokio's `on_thread_park`, called before the
//! runtime sleeps; ghetto-loop's `on_pass`, called after each pass). The
//! loop says so with one byte on a socket pair, which the waking thread
//! reads: one system call on each side every time, whether the reader
//! finds the byte waiting or sleeps for it. The waking thread then lets
//! the loop fall asleep in its wait (a fixed pause, like the one after
//! each echo of the echo rows) before it wakes the task.
//!
//! Announcing from inside the task's poll would not do: tokio handles a
//! wake-up that arrives while the task is still being polled on the loop's
//! own thread, without its eventfd, and whether it arrives that early is a
//! race. A condition variable would not do either: it costs a `futex` call
//! or none depending on who got there first.

use std::future::Future;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

/// What a [`Parked`] task and whoever wakes it share.
#[derive(Debug, Default)]
struct Doorbell {
    state: Mutex<Bell>,
}

/// The doorbell's state: whether it rang, and whom to wake.
#[derive(Debug, Default)]
struct Bell {
    /// Set by the waker, cleared by the task when it counts the wake-up.
    rung: bool,
    /// The parked task's waker; `Some` exactly while the task is parked.
    waker: Option<Waker>,
    /// The loop has told the waking thread about this parking already.
    announced: bool,
    /// Telling the waking thread failed: the task ends with this error
    /// instead of waiting for a wake-up that will never come.
    failed: Option<io::Error>,
}

impl Doorbell {
    fn lock(&self) -> MutexGuard<'_, Bell> {
        // A poisoned lock means a panic elsewhere already failed the run.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the task is parked and waiting to be woken.
    fn parked(&self) -> bool {
        self.lock().waker.is_some()
    }

    /// Rings: takes the parked task's waker and wakes it. The waker is
    /// called after the lock is let go, so that a runtime that polls the
    /// task at once does not find the doorbell locked.
    fn ring(&self) -> anyhow::Result<()> {
        let mut bell = self.lock();
        bell.rung = true;
        bell.announced = false;
        let waker = bell.waker.take();
        drop(bell);
        match waker {
            Some(waker) => {
                waker.wake();
                Ok(())
            }
            None => bail!("rang while the task was not parked"),
        }
    }
}

/// A task that parks `left` times, each time until its doorbell rings.
#[derive(Debug)]
pub(crate) struct Parked {
    bell: Arc<Doorbell>,
    left: usize,
}

impl Future for Parked {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        let bell = self.bell.clone();
        let mut state = bell.lock();
        if let Some(e) = state.failed.take() {
            return Poll::Ready(Err(e));
        }
        if state.rung {
            state.rung = false;
            self.left -= 1;
        }
        if self.left == 0 {
            return Poll::Ready(Ok(()));
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The loop's side of the hand-off with the waking thread: the doorbell,
/// and the socket on which the loop says "parked".
#[derive(Debug)]
pub(crate) struct Handoff {
    bell: Arc<Doorbell>,
    /// The loop's end of the socket pair; taken (closed) to hang up, so
    /// that the waking thread reads end-of-file and stops.
    tell: Mutex<Option<UnixStream>>,
}

impl Handoff {
    /// A hand-off, and the other end of its socket pair, for the waking
    /// thread.
    pub(crate) fn new() -> io::Result<(Arc<Handoff>, UnixStream)> {
        let (heard, tell) = UnixStream::pair()?;
        let handoff = Handoff {
            bell: Arc::new(Doorbell::default()),
            tell: Mutex::new(Some(tell)),
        };
        Ok((Arc::new(handoff), heard))
    }

    /// The runtime's hook, on the loop's thread with no task being polled:
    /// if the task is parked and the waking thread has not heard so yet,
    /// tell it (one byte). A failure wakes the task with the error, so that
    /// nothing waits for ever.
    pub(crate) fn announce(&self) {
        let mut bell = self.bell.lock();
        if bell.waker.is_none() || bell.announced {
            return;
        }
        bell.announced = true;
        drop(bell);
        let mut tell = self.tell.lock().unwrap_or_else(|e| e.into_inner());
        let told = match tell.as_mut() {
            Some(socket) => socket.write_all(&[1]),
            None => Err(io::Error::other("the waking thread has hung up")),
        };
        if let Err(e) = told {
            drop(tell.take());
            drop(tell);
            let mut bell = self.bell.lock();
            bell.failed = Some(e);
            let waker = bell.waker.take();
            drop(bell);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Closes the loop's end: the waking thread, if it still waits, reads
    /// end-of-file and stops.
    fn hang_up(&self) {
        drop(self.tell.lock().unwrap_or_else(|e| e.into_inner()).take());
    }
}

/// `n` wake-ups of a parked task by another task on the same thread, which
/// yields until the task has parked again.
pub(crate) async fn wake_local<H, E, Y>(
    n: usize,
    spawn: impl Fn(Parked) -> H,
    yield_now: impl Fn() -> Y,
) -> anyhow::Result<()>
where
    H: Future<Output = Result<io::Result<()>, E>>,
    E: std::error::Error + Send + Sync + 'static,
    Y: Future<Output = ()>,
{
    let bell = Arc::new(Doorbell::default());
    let task = spawn(Parked {
        bell: bell.clone(),
        left: n,
    });
    for _ in 0..n {
        while !bell.parked() {
            yield_now().await;
        }
        bell.ring()?;
    }
    task.await?.context("the parked task failed")?;
    Ok(())
}

/// `n` wake-ups of a parked task by a thread of its own, which reads the
/// loop's byte on the socket before each wake-up: it wakes a task that is
/// surely parked, every time. The runtime calls `handoff`'s
/// [`Handoff::announce`] from its hook; `heard` is the other end.
pub(crate) async fn wake_remote<H, E>(
    n: usize,
    handoff: Arc<Handoff>,
    heard: UnixStream,
    spawn: impl Fn(Parked) -> H,
) -> anyhow::Result<()>
where
    H: Future<Output = Result<io::Result<()>, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let task = spawn(Parked {
        bell: handoff.bell.clone(),
        left: n,
    });
    let bell = handoff.bell.clone();
    let waker = std::thread::Builder::new()
        .name("waker".to_owned())
        .spawn(move || wake_each_time_told(n, heard, &bell))
        .context("cannot start the waking thread")?;
    let parked = task.await;
    // If the task ended early, the waking thread still waits for a byte:
    // hanging up lets it read end-of-file and stop.
    handoff.hang_up();
    let woke = waker
        .join()
        .map_err(|_| anyhow!("the waking thread panicked"))?;
    parked?.context("the parked task failed")?;
    woke
}

/// How long the waking thread waits after the loop's byte before it
/// wakes the task: enough for the loop to be asleep in its wait (the byte
/// comes a few hundred instructions before it), even under callgrind.
const ASLEEP: Duration = Duration::from_millis(1);

/// The waking thread: `n` times, wait for the loop's byte, let the loop
/// fall asleep, then ring.
///
/// Without the pause, the wake-up could land while the loop is between
/// its hook and its wait, and the loop's path through that window (its
/// locks, its "would I wait for ever?" check) would depend on where the
/// ring caught it: the instruction count moved by about 1 % between runs.
/// The pause costs one `clock_nanosleep` per wake-up on both runtimes.
fn wake_each_time_told(n: usize, mut heard: UnixStream, bell: &Doorbell) -> anyhow::Result<()> {
    let mut byte = [0u8; 1];
    for i in 0..n {
        heard
            .read_exact(&mut byte)
            .with_context(|| format!("the loop stopped telling after {i} of {n} wake-ups"))?;
        std::thread::sleep(ASLEEP);
        bell.ring()?;
    }
    Ok(())
}

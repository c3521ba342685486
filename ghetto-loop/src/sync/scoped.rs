//! `Pool::with`: an async context manager whose release must itself await (chapter 17).
//!
//! A mutex guard releases in `Drop`, because unlocking does not wait. Some
//! releases do: a database connection goes back to its pool only after a
//! `ROLLBACK` travelled to the server and its answer came back; a file is
//! closed after its buffer is flushed; a TLS stream says `close_notify`.
//! Python writes
//!
//! ```text
//! async with pool.connection() as conn:    # __aenter__: await a free connection
//!     await conn.execute(...)
//! # __aexit__: await conn.rollback(), give conn back — on every way out
//! ```
//!
//! **Rust has no async `Drop`.** `Drop::drop` is a plain function: it cannot
//! `.await`, and it runs wherever the value dies, maybe in the middle of a
//! poll. Each way around that costs something:
//!
//! | choice | cost |
//! |--------|------|
//! | block in `Drop` until the release is done (`block_on`) | on a one-thread loop, a deadlock: the release needs the very loop that `Drop` is blocking |
//! | an explicit `async fn close(self)` the caller must call | forgotten on the `?`, panic and cancellation paths; nothing checks it |
//! | `Drop` spawns the release as a task | runs *later*: the caller goes on before the resource is back, a failure has nobody to report to, and it needs a running loop |
//! | a scope: `pool.with(async \|conn\| ...)` runs the body, then awaits the release, in place | the body is a closure; only cancellation (the scope's own future dropped) is left to `Drop`, and falls back to spawning |
//! | async `Drop` in the language | does not exist in stable Rust (an experiment on nightly), in part because a drop that awaits can itself be dropped halfway |
//!
//! [`Pool::with`] takes the scope. Its release is awaited in place whether
//! the body returned a value (or an `Err`: a value like any other) or
//! panicked: the panic is caught around each poll of the body, the release
//! is awaited, and then the panic goes on unwinding. Only if the `with`
//! future itself is dropped (the task aborted, a `select` that took another
//! branch) can nothing be awaited in place: then the release is spawned
//! onto the running loop and finishes there, and a release that was under
//! way is finished, not started again. That is the price of no async
//! `Drop`, and tokio-based pools (deadpool, bb8, sqlx) pay it the same way.
//!
//! # State and invariants
//!
//! ```text
//!   Pool { idle: [r1, r2, ...], free: Semaphore(idle), release }
//!   Lease (one per `with`):  Held(r) ──body done──> Releasing(fut) ──> Done (r back in idle)
//!                               └─────────── dropped: the rest spawned as a task ───────┘
//! ```
//!
//! * One free permit per idle resource: `free`'s available permits, plus
//!   the permits handed to waiters, equal `idle.len()`. A `with` takes a
//!   permit and forgets it (its lease stands for it) and pops a resource;
//!   putting a resource back pushes it and adds the permit. So waiting for
//!   a resource is the semaphore's FIFO hand-off, cancel safety included.
//! * A resource is in exactly one place: `idle`, a lease's `Held`, or
//!   inside the release future under way.
//!
//! # Simplifications
//!
//! A pool here is a fixed set of resources, handed in at the start; a
//! release cannot fail or throw a resource away. Real pools open
//! connections on demand, test them, replace broken ones and time out a
//! wait for a free one.

use std::cell::RefCell;
use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::Poll;

use super::semaphore::Semaphore;
use crate::event_loop::LoopHandle;

/// The release future: gives the resource back once it is clean.
type Release<R> = Pin<Box<dyn Future<Output = R>>>;

/// A fixed set of resources, lent one per [`with`](Pool::with) scope and
/// cleaned up asynchronously before the next borrower gets them.
///
/// ```
/// use ghetto_loop::sync::Pool;
/// use ghetto_loop::task;
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// ghetto_loop::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let released = log.clone();
///     // One "connection"; its release awaits (a ROLLBACK on the wire).
///     let pool = Pool::new(vec![String::from("conn-1")], move |conn: String| {
///         let log = released.clone();
///         async move {
///             task::yield_now().await;
///             log.borrow_mut().push(format!("{conn} rolled back"));
///             conn
///         }
///     });
///     let n = pool
///         .with(async |conn| {
///             log.borrow_mut().push(format!("query on {conn}"));
///             task::yield_now().await;
///             Err::<u32, &str>("constraint violated")
///         })
///         .await;
///     assert_eq!(n, Err("constraint violated"));
///     // The release ran, and was awaited, before `with` returned.
///     assert_eq!(*log.borrow(), ["query on conn-1", "conn-1 rolled back"]);
///     assert_eq!(pool.idle(), 1);
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Pool<R> {
    inner: Rc<Inner<R>>,
}

/// What a pool and its leases share.
struct Inner<R> {
    /// Resources nobody holds, clean.
    idle: RefCell<Vec<R>>,
    /// One permit per idle resource (see the module's header).
    free: Semaphore,
    /// Makes the release future of a resource that was used.
    release: Box<dyn Fn(R) -> Release<R>>,
}

/// One `with` scope's hold on a resource; see the module's header.
struct Lease<R: 'static> {
    pool: Rc<Inner<R>>,
    stage: Stage<R>,
}

enum Stage<R> {
    /// Lent to the body.
    Held(R),
    /// The release is under way.
    Releasing(Release<R>),
    /// Back in the pool.
    Done,
}

impl<R: 'static> Pool<R> {
    /// A pool of `resources`; `release` cleans one up after each use, and
    /// the pool takes back the resource it returns.
    pub fn new<F, Fut>(resources: impl IntoIterator<Item = R>, release: F) -> Pool<R>
    where
        F: Fn(R) -> Fut + 'static,
        Fut: Future<Output = R> + 'static,
    {
        let idle: Vec<R> = resources.into_iter().collect();
        Pool {
            inner: Rc::new(Inner {
                free: Semaphore::new(idle.len()),
                idle: RefCell::new(idle),
                release: Box::new(move |r| Box::pin(release(r))),
            }),
        }
    }

    /// Waits for a free resource (FIFO), runs `body` with it, awaits its
    /// release, and returns what `body` returned.
    ///
    /// The release runs on every way out: after `body` returns (an `Err`
    /// is a return like any other); after `body` panics (the panic is
    /// caught, the release awaited, then the panic resumes); and when this
    /// future is dropped halfway (see below).
    ///
    /// # Cancel safety
    ///
    /// Dropped while waiting for a resource, it gives up its place and
    /// holds nothing (the semaphore's cancel safety). Dropped while the
    /// body runs, the body is dropped, and the release is **spawned** onto
    /// the running loop with [`LoopHandle::spawn`]: it runs to its end
    /// there, after this future is gone, and then the resource is back.
    /// Dropped while the release runs, the rest of that same release is
    /// spawned (it is not started over). If no loop is running (the loop is
    /// being closed), the release cannot run and the resource is dropped:
    /// the pool has one fewer. Rust has no async `Drop` (see the module's
    /// docs); this is what that costs.
    pub async fn with<B, T>(&self, body: B) -> T
    where
        B: AsyncFnOnce(&mut R) -> T,
    {
        let permit = self
            .inner
            .free
            .acquire()
            .await
            .expect("a pool never closes its semaphore");
        // From here to the lease, nothing awaits: no way to be dropped.
        permit.forget(); // the lease stands for it until the resource is back
        let resource = self
            .inner
            .idle
            .borrow_mut()
            .pop()
            .expect("one free permit per idle resource");
        let mut lease = Lease {
            pool: self.inner.clone(),
            stage: Stage::Held(resource),
        };
        let outcome = {
            let Stage::Held(resource) = &mut lease.stage else {
                unreachable!("the lease was just made")
            };
            let mut body = pin!(body(resource));
            // A panic in the body is caught here, poll by poll, so the
            // release below runs before it goes on.
            poll_fn(
                |cx| match panic::catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(cx))) {
                    Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
                    Ok(Poll::Pending) => Poll::Pending,
                    Err(payload) => Poll::Ready(Err(payload)),
                },
            )
            .await
        };
        lease.release().await;
        match outcome {
            Ok(value) => value,
            Err(payload) => panic::resume_unwind(payload),
        }
    }

    /// How many resources are idle now.
    pub fn idle(&self) -> usize {
        self.inner.idle.borrow().len()
    }
}

impl<R: 'static> Inner<R> {
    /// Takes back a clean resource: it goes to the first waiting `with`.
    fn put_back(&self, resource: R) {
        self.idle.borrow_mut().push(resource);
        self.free.add_permits(1);
    }
}

impl<R: 'static> Lease<R> {
    /// Releases the resource in place: starts the release, awaits it, and
    /// puts the resource back. The release future lives in the lease while
    /// it runs, so a drop halfway finds it there.
    async fn release(&mut self) {
        if let Stage::Held(resource) = std::mem::replace(&mut self.stage, Stage::Done) {
            self.stage = Stage::Releasing((self.pool.release)(resource));
        }
        let Stage::Releasing(release) = &mut self.stage else {
            return;
        };
        let resource = release.as_mut().await;
        self.stage = Stage::Done;
        self.pool.put_back(resource);
    }
}

impl<R: 'static> Drop for Lease<R> {
    /// The `with` future was dropped before its release finished: finish it
    /// on the loop, as a task.
    fn drop(&mut self) {
        let release = match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Done => return,
            Stage::Held(resource) => (self.pool.release)(resource),
            Stage::Releasing(release) => release,
        };
        let pool = self.pool.clone();
        if let Some(lp) = LoopHandle::try_current() {
            // Dropped with the task if the loop closes first.
            drop(lp.spawn(async move {
                let resource = release.await;
                pool.put_back(resource);
            }));
        }
    }
}

impl<R> fmt::Debug for Pool<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let idle = self.inner.idle.try_borrow().map(|idle| idle.len()).ok();
        f.debug_struct("Pool")
            .field("idle", &idle)
            .field("free", &self.inner.free)
            .finish()
    }
}

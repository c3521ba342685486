//! `Pool::with`: a connection whose release must itself await, released on
//! every way out (chapter 17).
//!
//! A [`Conn`] stands for a database connection. Giving it back is not a
//! plain `Drop`: first it must be *flushed*, which takes [`FLUSH`] on the
//! loop's clock (a `ROLLBACK` that travels to the server and back). That
//! is Python's
//!
//! ```text
//! async with pool.connection() as conn:   # await a free connection
//!     ...                                   # the body
//! # await conn.flush(), then back to the pool: however the body ended
//! ```
//!
//! Rust has no async `Drop`, so `pool.with(async |conn| ...)` is a scope
//! instead: it runs the body, then awaits the release in place. The four
//! functions here leave the body four ways, and the diary shows the flush
//! each time:
//!
//! * [`ok_path`]: the body returns a value;
//! * [`err_path`]: it returns an `Err` (to `with`, a value like any other);
//! * [`panic_path`]: it panics; `with` catches the panic, awaits the
//!   release, and lets the panic go on;
//! * [`cancel_path`]: the `with` future itself is dropped by a `timeout`.
//!   Nothing can be awaited in a drop, so the release is *spawned* and
//!   finishes after `with` is gone: the one way out that costs something.

use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::sync::Pool;
use ghetto_loop::task::{self, JoinError};
use ghetto_loop::time::{Elapsed, sleep, timeout};

use crate::Diary;

/// How long a release (the flush) takes.
pub const FLUSH: Duration = Duration::from_millis(50);

/// How long a query takes in the bodies.
pub const QUERY: Duration = Duration::from_millis(20);

/// How long [`cancel_path`] lets its slow body run before giving up.
pub const PATIENCE: Duration = Duration::from_millis(30);

/// A pretend database connection.
#[derive(Debug)]
pub struct Conn {
    /// Its name, for the timeline.
    pub name: &'static str,
    /// Queries since it was last flushed: what the release cleans up.
    pub dirty: u32,
}

/// A pool of one connection whose release flushes it, which takes `flush`
/// and is logged in `diary`.
pub fn pool(diary: &Diary, flush: Duration) -> Rc<Pool<Conn>> {
    let diary = diary.clone();
    let conn = Conn {
        name: "conn-1",
        dirty: 0,
    };
    Rc::new(Pool::new([conn], move |mut conn: Conn| {
        let diary = diary.clone();
        async move {
            diary.log(
                "release",
                format!(
                    "{}: flushing {} dirty queries (awaits {} ms)",
                    conn.name,
                    conn.dirty,
                    flush.as_millis()
                ),
            );
            sleep(flush).await;
            conn.dirty = 0;
            diary.log(
                "release",
                format!("{}: flushed; back to the pool", conn.name),
            );
            conn
        }
    }))
}

/// One query on `conn`.
async fn query(diary: &Diary, who: &str, conn: &mut Conn) {
    diary.log(who, format!("queries on {}", conn.name));
    sleep(QUERY).await;
    conn.dirty += 1;
}

/// The body returns a value; `with` returns it after the release.
pub async fn ok_path(diary: &Diary, pool: &Pool<Conn>) -> Result<u32, String> {
    let out = pool
        .with(async |conn: &mut Conn| {
            query(diary, "ok", conn).await;
            Ok::<u32, String>(42)
        })
        .await;
    diary.log("ok", format!("with returned {out:?}"));
    out
}

/// The body returns an `Err`; `with` returns it after the release.
pub async fn err_path(diary: &Diary, pool: &Pool<Conn>) -> Result<u32, String> {
    let out = pool
        .with(async |conn: &mut Conn| {
            query(diary, "err", conn).await;
            Err::<u32, String>("constraint violated".into())
        })
        .await;
    diary.log("err", format!("with returned {out:?}"));
    out
}

/// The body panics, in a task of its own (a panic must end *some* task).
/// `with` awaits the release before the panic goes on, so the flush is
/// logged before the task's end; returns the task's `JoinError`.
pub async fn panic_path(diary: &Diary, pool: &Rc<Pool<Conn>>) -> Option<JoinError> {
    let (d, pool) = (diary.clone(), pool.clone());
    let handle = task::spawn(async move {
        pool.with(async |conn: &mut Conn| {
            query(&d, "panic", conn).await;
            panic!("a bug in the body");
        })
        .await
    });
    let error = handle.await.err();
    if let Some(error) = &error {
        diary.log("panic", format!("the task ended: {error}"));
    }
    error
}

/// The body would take a second; a `timeout` of [`PATIENCE`] drops the
/// `with` future halfway. The release is spawned and finishes later; a
/// second `with` waits for the connection to be back, in FIFO order.
pub async fn cancel_path(diary: &Diary, pool: &Pool<Conn>) -> Result<(), Elapsed> {
    let out = timeout(
        PATIENCE,
        pool.with(async |conn: &mut Conn| {
            query(diary, "cancel", conn).await;
            diary.log("cancel", "a slow second query, 1 s...");
            sleep(Duration::from_secs(1)).await;
            diary.log("cancel", "never printed: the body was dropped");
        }),
    )
    .await;
    diary.log(
        "cancel",
        format!("timeout returned {out:?}: the with future was dropped; its release was spawned"),
    );
    pool.with(async |conn: &mut Conn| {
        diary.log(
            "next",
            format!(
                "the next with got {} ({} dirty): flushed first",
                conn.name, conn.dirty
            ),
        );
    })
    .await;
    out
}

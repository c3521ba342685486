//! `Pool::with` on a paused clock: the async release (a 50 ms flush) runs
//! on every way out, before `with` returns when it can, and spawned when
//! the `with` future itself is dropped.

use std::io;
use std::rc::Rc;
use std::time::Duration;

use ch17_sync::Diary;
use ch17_sync::pool::{self, Conn, FLUSH};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::time::timeout;

fn paused() -> io::Result<(EventLoop, Diary)> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    Ok((lp, diary))
}

fn owned(steps: &[(u128, &str, &str)]) -> Vec<(u128, String, String)> {
    steps
        .iter()
        .map(|(at, who, what)| (*at, who.to_string(), what.to_string()))
        .collect()
}

const FLUSHING: &str = "conn-1: flushing 1 dirty queries (awaits 50 ms)";
const FLUSHED: &str = "conn-1: flushed; back to the pool";

#[test]
fn a_value_comes_back_after_the_release() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let pool = pool::pool(&diary, FLUSH);
    let out = lp.block_on(pool::ok_path(&diary, &pool))?;
    assert_eq!(out, Ok(42));
    assert_eq!(
        diary.steps(),
        owned(&[
            (0, "ok", "queries on conn-1"),
            (20, "release", FLUSHING),
            (70, "release", FLUSHED),
            (70, "ok", "with returned Ok(42)"),
        ])
    );
    assert_eq!(pool.idle(), 1);
    Ok(())
}

#[test]
fn an_error_comes_back_after_the_release() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let pool = pool::pool(&diary, FLUSH);
    let out = lp.block_on(pool::err_path(&diary, &pool))?;
    assert_eq!(out, Err("constraint violated".to_string()));
    assert_eq!(
        diary.steps(),
        owned(&[
            (0, "err", "queries on conn-1"),
            (20, "release", FLUSHING),
            (70, "release", FLUSHED),
            (70, "err", "with returned Err(\"constraint violated\")"),
        ])
    );
    assert_eq!(pool.idle(), 1);
    Ok(())
}

#[test]
fn a_panic_goes_on_only_after_the_release() -> io::Result<()> {
    let (lp, diary) = paused()?;
    lp.handle().set_report_handler(|_| {}); // the panic is expected
    let pool = pool::pool(&diary, FLUSH);
    let error = lp.block_on(pool::panic_path(&diary, &pool))?;
    let error = error.expect("the task panicked");
    assert_eq!(error.panic_message(), Some("a bug in the body"));
    let steps = diary.steps();
    assert_eq!(
        steps[..3],
        owned(&[
            (0, "panic", "queries on conn-1"),
            (20, "release", FLUSHING),
            (70, "release", FLUSHED),
        ])
    );
    assert_eq!(steps[3].1, "panic", "the task ended after the flush");
    assert_eq!(pool.idle(), 1);
    Ok(())
}

#[test]
fn a_cancelled_with_still_releases_in_a_spawned_task() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let pool = pool::pool(&diary, FLUSH);
    let out = lp.block_on(pool::cancel_path(&diary, &pool))?;
    assert!(out.is_err());
    let steps = diary.steps();
    assert_eq!(
        steps[..5],
        owned(&[
            (0, "cancel", "queries on conn-1"),
            (20, "cancel", "a slow second query, 1 s..."),
            (
                30,
                "cancel",
                "timeout returned Err(Elapsed(30ms)): the with future was dropped; its release was spawned"
            ),
            // After `with` is gone: the spawned release.
            (30, "release", FLUSHING),
            (80, "release", FLUSHED),
        ])
    );
    // The next borrower waited for the connection, and got it clean.
    assert_eq!(
        steps[5],
        (
            80,
            "next".to_string(),
            "the next with got conn-1 (0 dirty): flushed first".to_string()
        )
    );
    assert!(
        !steps
            .iter()
            .any(|(_, _, what)| what.contains("never printed"))
    );
    assert_eq!(pool.idle(), 1);
    Ok(())
}

/// A `with` cancelled while it waits for a connection held by another
/// holds nothing: no release runs for it, and it leaks nothing.
#[test]
fn a_with_cancelled_in_line_releases_nothing_and_leaks_nothing() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let pool: Rc<_> = pool::pool(&diary, FLUSH);
    lp.block_on(async {
        let holder = {
            let pool = pool.clone();
            ghetto_loop::task::spawn(async move {
                pool.with(async |_: &mut Conn| {
                    ghetto_loop::time::sleep(Duration::from_millis(100)).await;
                })
                .await;
            })
        };
        ghetto_loop::task::yield_now().await; // the holder has it
        let gave_up = timeout(
            Duration::from_millis(10),
            pool.with(async |_: &mut Conn| {}),
        )
        .await;
        assert!(gave_up.is_err());
        holder.await.unwrap();
    })?;
    let flushes = diary
        .steps()
        .iter()
        .filter(|(_, _, what)| what.contains("flushing"))
        .count();
    assert_eq!(flushes, 1, "only the holder's use was released");
    assert_eq!(pool.idle(), 1);
    Ok(())
}

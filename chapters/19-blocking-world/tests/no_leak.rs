//! A pool lets its threads go after the keep-alive: a burst of blocking
//! work leaves no thread behind. Alone in its test binary, so that the
//! process's thread count is this test's own.

use std::io;
use std::time::Duration;

use ch19_blocking_world::lookups::slow_disk;
use course::Timeline;
use course::testing::wait_until;
use ghetto_loop::blocking::Pool;
use ghetto_loop::event_loop::EventLoop;

/// Threads of this process, from /proc.
fn threads_alive() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

#[test]
fn no_thread_is_left_behind_after_the_keep_alive() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let before = threads_alive();
    let keep_alive = Duration::from_millis(50);
    let pool = Pool::new(3, keep_alive);
    let disk = lp.block_on(slow_disk(
        &pool,
        6,
        Duration::from_millis(20),
        &Timeline::quiet(),
    ))??;
    assert_eq!(disk.results.len(), 6);
    assert!(pool.threads() > 0, "the pool grew for the burst");
    assert!(threads_alive() > before, "and its threads are real");
    // The bound is patience, not a claim: the threads end `keep_alive`
    // after their last job.
    let patience = Duration::from_secs(5);
    assert!(wait_until(patience, || pool.threads() == 0), "{pool:?}");
    assert!(
        wait_until(patience, || threads_alive() == before),
        "{} threads, {before} before",
        threads_alive()
    );
    Ok(())
}

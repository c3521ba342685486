//! The blocking world (chapter 19): `spawn_blocking` on every selector, the
//! pool's growth, queue and keep-alive (no thread left behind), signals
//! blocked in its threads, DNS and files in the pool, the slow-poll report
//! of debug mode, and the loop's trace.

mod util;

use std::io;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use course::testing::wait_until;
use ghetto_loop::blocking::{self, Pool, spawn_blocking};
use ghetto_loop::event_loop::{EventLoop, Report};
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::task;
use util::{PATIENCE, conformance, record_reports};

/// Threads of this process, from /proc.
fn threads_alive() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

conformance! {
    /// A result made on a pool thread wakes the awaiting task through the
    /// loop's door; a panic comes back as an error.
    fn spawn_blocking_wakes_the_task(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let pool = Pool::new(2, Duration::from_millis(50));
        let p = pool.clone();
        let (value, panicked) = lp.block_on(async move {
            let value = p.spawn(|| {
                std::thread::sleep(Duration::from_millis(20)); // blocking, on purpose
                "computed"
            });
            let panicked = p.spawn(|| -> u8 { panic!("bad input") });
            (value.await, panicked.await)
        })?;
        assert_eq!(value.unwrap(), "computed");
        assert_eq!(panicked.unwrap_err().panic_message(), Some("bad input"));
        Ok(())
    }

    /// Files are read and written in the pool.
    fn files_in_the_pool(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let path = std::env::temp_dir().join(format!("ghetto-fs-{}-{kind}", std::process::id()));
        let back = lp.block_on(async {
            blocking::fs::write(&path, "written in the pool").await?;
            blocking::fs::read(&path).await
        })??;
        std::fs::remove_file(&path)?;
        assert_eq!(back, b"written in the pool");
        Ok(())
    }
}

/// Names resolve in the pool, and `connect_host` uses them. (No fd count:
/// the C library's resolver may keep a socket of its own open.)
#[test]
fn dns_in_the_pool() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
    let port = listener.local_addr()?.port();
    let ok = lp.block_on(async move {
        let addrs = blocking::lookup_host("localhost", port).await?;
        assert!(addrs.iter().any(|a| a.ip().is_loopback()));
        let accept = task::spawn(async move { listener.accept().await.map(|_| ()) });
        let stream = TcpStream::connect_host("127.0.0.1", port).await?;
        accept.await.unwrap()?;
        drop(stream);
        let missing = blocking::lookup_host("no-such-host.invalid", 80).await;
        Ok::<bool, io::Error>(missing.is_err())
    })??;
    assert!(ok, "an unknown name is an error");
    Ok(())
}

/// The pool grows on demand to its maximum, queues what it cannot run yet,
/// and its idle threads end after the keep-alive: no thread left behind.
#[test]
fn the_pool_grows_queues_and_shrinks() -> io::Result<()> {
    util::alone(|| {
        let before = threads_alive();
        let pool = Pool::new(2, Duration::from_millis(50));
        let gate = Arc::new(Barrier::new(3)); // two jobs and this thread
        let lp = EventLoop::new()?;
        let jobs: Vec<_> = (0..4)
            .map(|i| {
                let gate = gate.clone();
                pool.spawn(move || {
                    if i < 2 {
                        gate.wait();
                    }
                    i
                })
            })
            .collect();
        assert!(wait_until(PATIENCE, || pool.threads() == 2 && pool.queue_depth() == 2));
        assert_eq!(threads_alive(), before + 2, "two threads, not four");
        gate.wait();
        let results = lp.block_on(async {
            let mut out = Vec::new();
            for job in jobs {
                out.push(job.await.unwrap());
            }
            out
        })?;
        assert_eq!(results, [0, 1, 2, 3]);
        assert!(
            wait_until(PATIENCE, || pool.threads() == 0),
            "idle threads ended"
        );
        assert!(
            wait_until(PATIENCE, || threads_alive() == before),
            "and exited"
        );
        Ok(())
    })
}

/// Pool threads block every signal, so a signal meant for the loop is never
/// taken by a thread busy reading a file.
#[test]
fn pool_threads_block_every_signal() -> io::Result<()> {
    let blocked = ghetto_loop::run(spawn_blocking(|| {
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("SigBlk:"))
            .map(|mask| u64::from_str_radix(mask.trim(), 16).unwrap_or(0))
    }))?
    .unwrap()
    .expect("a SigBlk line");
    // SIGTERM (15) and SIGINT (2) among them: bits 14 and 1.
    assert_ne!(blocked & (1 << 14), 0);
    assert_ne!(blocked & (1 << 1), 0);
    Ok(())
}

/// Debug mode names the task whose poll blocked the loop: id, name, how
/// long, and where it was spawned.
#[test]
fn debug_mode_reports_a_slow_task_poll() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.set_debug(true);
    lp.set_slow_callback_duration(Duration::from_millis(20));
    let reports = record_reports(&lp);
    let line = line!() + 1;
    let sleepy = lp.spawn_named("sleepy", async {
        // The mistake debug mode is for: a blocking call inside a task.
        std::thread::sleep(Duration::from_millis(30));
    });
    lp.block_on(sleepy)?.unwrap();
    let reports = reports.borrow();
    let slow: Vec<_> = reports
        .iter()
        .filter_map(|r| match r {
            Report::Slow {
                what,
                scheduled_at,
                took,
            } => Some((what, scheduled_at, took)),
            _ => None,
        })
        .collect();
    let [(what, at, took)] = slow[..] else {
        panic!("one slow report expected: {reports:?}");
    };
    assert!(
        what.starts_with("task ") && what.ends_with("(sleepy)"),
        "{what}"
    );
    assert_eq!((at.file(), at.line()), (file!(), line));
    assert!(*took >= Duration::from_millis(30));
    let text = reports[0].to_string();
    assert!(text.contains("spawned at"), "{text}");
    Ok(())
}

/// The loop's trace is a JSON array of complete events: passes, waits and
/// task polls by name.
#[test]
fn the_trace_records_passes_waits_and_polls() -> io::Result<()> {
    let path = std::env::temp_dir().join(format!("ghetto-trace-{}.json", std::process::id()));
    {
        let lp = EventLoop::new()?;
        lp.trace_to(&path)?;
        let t = lp.spawn_named("worker \"q\"", async {
            task::yield_now().await;
        });
        lp.block_on(t)?.unwrap();
    }
    let text = std::fs::read_to_string(&path)?;
    std::fs::remove_file(&path)?;
    assert!(
        text.starts_with("[\n") && text.trim_end().ends_with(']'),
        "{text}"
    );
    let events: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("\"ph\":\"X\""))
        .collect();
    assert!(events.iter().all(
        |e| e.trim_end_matches(',').starts_with('{') && e.trim_end_matches(',').ends_with('}')
    ));
    assert!(events.iter().any(|e| e.contains("\"name\":\"pass 1\"")));
    assert!(events.iter().any(|e| e.contains("\"cat\":\"wait\"")));
    assert!(
        events.iter().any(|e| e.contains("(worker \\\"q\\\")")),
        "names are escaped"
    );
    Ok(())
}

/// The future given to `block_on` is timed like a task: a blocking call in
/// it is reported too.
#[test]
fn debug_mode_reports_a_slow_block_on_future() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.set_debug(true);
    lp.set_slow_callback_duration(Duration::from_millis(20));
    let reports = record_reports(&lp);
    let line = line!() + 1;
    lp.block_on(async { std::thread::sleep(Duration::from_millis(30)) })?;
    let reports = reports.borrow();
    let [
        Report::Slow {
            what, scheduled_at, ..
        },
    ] = &reports[..]
    else {
        panic!("one slow report expected: {reports:?}");
    };
    assert_eq!(what, "the block_on future");
    assert_eq!((scheduled_at.file(), scheduled_at.line()), (file!(), line));
    Ok(())
}

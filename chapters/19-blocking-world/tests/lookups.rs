//! DNS and files in the pool work, from a task, on every selector; a full
//! pool queues instead of starting more threads.

use std::io;
use std::time::Duration;

use ch19_blocking_world::lookups::{file_round_trip, resolve_and_connect, slow_disk};
use course::Timeline;
use ghetto_loop::blocking::Pool;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::sys::SelectorKind;

const KINDS: [SelectorKind; 3] = [
    SelectorKind::Select,
    SelectorKind::Poll,
    SelectorKind::Epoll,
];

#[test]
fn localhost_resolves_in_the_pool_and_connect_host_gets_through() -> io::Result<()> {
    for kind in KINDS {
        let lp = EventLoop::with_kind(kind)?;
        let found = lp.block_on(resolve_and_connect("localhost"))??;
        assert!(found.ips.iter().any(|ip| ip.is_loopback()), "{found:?}");
        // The listener is on 127.0.0.1 only, so that is where it got.
        assert_eq!(found.connected.ip().to_string(), "127.0.0.1", "{kind}");
    }
    Ok(())
}

#[test]
fn an_unknown_name_is_an_error_not_a_hang() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let found = lp.block_on(resolve_and_connect("no-such-host.invalid"))?;
    assert!(found.is_err(), "{found:?}");
    Ok(())
}

#[test]
fn a_file_round_trip_in_the_pool_gives_the_bytes_back_and_leaves_nothing() -> io::Result<()> {
    for kind in KINDS {
        let lp = EventLoop::with_kind(kind)?;
        let path = std::env::temp_dir().join(format!("ch19-test-{}-{kind}", std::process::id()));
        let contents: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let back = lp.block_on(file_round_trip(&path, contents.clone()))??;
        assert_eq!(back, contents);
        assert!(!path.exists(), "the file was removed");
    }
    Ok(())
}

#[test]
fn a_file_in_a_missing_directory_is_an_error() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let dir = std::env::temp_dir().join(format!("ch19-no-such-dir-{}", std::process::id()));
    let result = lp.block_on(file_round_trip(&dir.join("f"), b"x".to_vec()))?;
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::NotFound);
    Ok(())
}

#[test]
fn a_full_pool_queues_and_never_grows_past_its_maximum() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let pool = Pool::new(2, Duration::from_millis(50));
    let each = Duration::from_millis(30);
    let disk = lp.block_on(slow_disk(&pool, 5, each, &Timeline::quiet()))??;
    assert_eq!(disk.results, [0, 1, 2, 3, 4], "every read, in order");
    assert!(disk.busy.threads <= 2, "{disk:?}");
    // Two threads for five reads: at least three rounds, one after another.
    assert!(disk.took >= each * 3, "{disk:?}");
    Ok(())
}

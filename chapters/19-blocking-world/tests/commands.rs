//! The `serve` command's line server: its answers, and its claim. While
//! one client's `sleep` runs in the pool, another client is answered at
//! once; while one client's `block` holds the loop, the other waits.
//!
//! The server runs on a loop in a thread of its own, and the clients are
//! plain blocking sockets on the test's thread, as if on other machines.

use std::io::{self};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ch19_blocking_world::commands::{HELP, accept_loop, answer};
use ch19_blocking_world::hashing::{fnv1a, make_buffer};
use course::line_client::LineClient;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::net::TcpListener;

/// How long the slow commands take in these tests.
const SLOW: Duration = Duration::from_millis(300);

/// Starts a server on a loop of its own, in a thread that ends with the
/// test process; returns its address.
fn server() -> io::Result<SocketAddr> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let started = (|| {
            let lp = EventLoop::new()?;
            let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
            Ok::<_, io::Error>((lp, listener))
        })();
        match started {
            Ok((lp, listener)) => {
                let _ = tx.send(listener.local_addr());
                let _ = lp.block_on(accept_loop(listener));
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        }
    });
    rx.recv().map_err(io::Error::other)?
}

#[test]
fn the_answers() -> io::Result<()> {
    let hash = ghetto_loop::run(answer("hash 1"))?;
    let want = format!("fnv1a {:#018x} of 1 MiB", fnv1a(&make_buffer(1 << 20)));
    assert!(hash.starts_with(&want), "{hash}");
    let resolved = ghetto_loop::run(answer("resolve localhost"))?;
    assert!(resolved.starts_with("localhost: "), "{resolved}");
    assert!(resolved.contains("127.0.0.1"), "{resolved}");
    assert_eq!(ghetto_loop::run(answer("help"))?, HELP);
    assert!(ghetto_loop::run(answer("sleep 0"))?.starts_with("slept "));
    Ok(())
}

#[test]
fn bad_input_says_what_is_allowed() -> io::Result<()> {
    for (line, says) in [
        ("hash 0", "\"0\" is not a whole number from 1 to 256"),
        ("hash lots", "\"lots\" is not a whole number from 1 to 256"),
        ("sleep 10001", "from 0 to 10000"),
        ("block -1", "from 0 to 10000"),
        ("resolve no-such-host.invalid", "cannot resolve"),
        ("dance", "unknown command"),
        ("hash 1 2", "unknown command"),
    ] {
        let reply = ghetto_loop::run(answer(line))?;
        assert!(
            reply.starts_with("error: ") && reply.contains(says),
            "{line}: {reply}"
        );
    }
    Ok(())
}

#[test]
fn while_one_client_sleeps_in_the_pool_another_is_answered() -> io::Result<()> {
    let addr = server()?;
    let (mut a, mut b) = (LineClient::connect(addr)?, LineClient::connect(addr)?);
    // Both connections are served before the slow request goes in.
    a.ask("help")?;
    b.ask("help")?;
    let a_sent = Instant::now();
    a.send(&format!("sleep {}", SLOW.as_millis()))?;
    let b_sent = Instant::now();
    let b_reply = b.ask("hash 1")?;
    let b_took = b_sent.elapsed();
    let a_reply = a.next_line()?;
    assert!(b_reply.starts_with("fnv1a "), "{b_reply}");
    assert!(a_reply.starts_with("slept "), "{a_reply}");
    assert!(a_sent.elapsed() >= SLOW, "a thread::sleep is never short");
    assert!(
        b_took < SLOW / 2,
        "b should not wait for a's sleep: {b_took:?}"
    );
    Ok(())
}

#[test]
fn while_one_client_blocks_the_loop_the_other_waits() -> io::Result<()> {
    let addr = server()?;
    let mut a = LineClient::connect(addr)?;
    a.ask("help")?;
    // a's line is in the server's socket before b even connects. The loop
    // sees a's line no later than b's connection, runs a's task in that
    // pass, and b's task, spawned on accepting it, only in a later pass:
    // after a's block.
    a.send(&format!("block {}", SLOW.as_millis()))?;
    let b_sent = Instant::now();
    let mut b = LineClient::connect(addr)?;
    let b_reply = b.ask("help")?;
    let b_took = b_sent.elapsed();
    let a_reply = a.next_line()?;
    assert_eq!(b_reply, HELP);
    assert!(a_reply.starts_with("blocked the loop"), "{a_reply}");
    assert!(
        b_took >= SLOW / 2,
        "b's one-line answer had to wait for a's block: {b_took:?}"
    );
    Ok(())
}

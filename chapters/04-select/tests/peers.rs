//! The echo server against difficult peers: big streams (partial writes),
//! a client that never reads, a client that half-closes. (That they leave
//! no fd behind is `no_leaks.rs`.)
//!
//! One suite for the one server of chapters 04-06, run on every backend:
//! each test is a function of the `SelectorKind`, and `on_every_backend!`
//! stamps a module per backend, the way ghetto-loop's `tests/selectors.rs`
//! does, so `cargo nextest run -p ch04-select --test peers poll::` runs it on
//! chapter 05's selector alone.

mod util;

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::thread;
use std::time::Duration;

use ch04_select::server::MAX_PENDING;
use course::testing::{PATIENCE, wait_until};
use ghetto_loop::sys::SelectorKind;
use util::{Running, connect, echo_bytes};

macro_rules! on_every_backend {
    ($($backend:ident: $kind:expr),* $(,)?) => {$(
        mod $backend {
            use super::*;

            #[test]
            fn a_large_stream_comes_back_whole_and_in_order() -> io::Result<()> {
                super::a_large_stream_comes_back_whole_and_in_order($kind)
            }

            #[test]
            fn a_client_that_never_reads_is_held_back_and_does_not_stall_the_others() -> io::Result<()> {
                super::a_client_that_never_reads_is_held_back_and_does_not_stall_the_others($kind)
            }

            #[test]
            fn a_client_that_half_closes_gets_every_echo_then_the_end() -> io::Result<()> {
                super::a_client_that_half_closes_gets_every_echo_then_the_end($kind)
            }
        }
    )*};
}

on_every_backend!(
    select: SelectorKind::Select,
    poll: SelectorKind::Poll,
    epoll: SelectorKind::Epoll,
);

fn a_large_stream_comes_back_whole_and_in_order(kind: SelectorKind) -> io::Result<()> {
    // 8 MiB is far more than the socket buffers hold: the server's writes
    // come up short, and it must keep the rest and wait for room.
    let server = Running::start(kind)?;
    let data: Vec<u8> = (0..8u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut client = connect(server.addr)?;
    let mut writer = client.try_clone()?;
    let sent = data.clone();
    let writer = thread::spawn(move || -> io::Result<()> {
        writer.write_all(&sent)?;
        writer.shutdown(Shutdown::Write)
    });
    let mut back = Vec::with_capacity(data.len());
    client.read_to_end(&mut back)?;
    writer.join().expect("no panic")?;
    assert!(back == data, "the echo differs from what was sent");
    Ok(())
}

fn a_client_that_never_reads_is_held_back_and_does_not_stall_the_others(
    kind: SelectorKind,
) -> io::Result<()> {
    let server = Running::start(kind)?;
    let greedy = connect(server.addr)?;
    greedy.set_nonblocking(true)?;
    // Send until the kernel will take no more: the server has stopped
    // reading from us because our echoes pile up unread.
    let chunk = vec![7u8; 64 * 1024];
    let mut sent = 0;
    let filled = wait_until(PATIENCE, || match (&greedy).write(&chunk) {
        Ok(n) => {
            sent += n;
            false
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            // Full for now; the server may still drain some. Full for good
            // once it holds MAX_PENDING and stops reading.
            thread::sleep(Duration::from_millis(20));
            matches!((&greedy).write(&chunk), Err(ref e) if e.kind() == io::ErrorKind::WouldBlock)
        }
        Err(e) => panic!("the greedy client's write failed: {e}"),
    });
    assert!(
        filled,
        "the server kept reading from a client that never reads"
    );
    assert!(sent >= MAX_PENDING, "sent {sent} bytes");
    // Bounded: the server held at most MAX_PENDING plus what the kernel
    // buffers, not all of it. And everyone else is served meanwhile.
    let mut polite = connect(server.addr)?;
    echo_bytes(&mut polite, b"anyone home?\n")?;
    drop(greedy);
    echo_bytes(&mut polite, b"still?\n")?;
    Ok(())
}

fn a_client_that_half_closes_gets_every_echo_then_the_end(kind: SelectorKind) -> io::Result<()> {
    let server = Running::start(kind)?;
    let mut client = connect(server.addr)?;
    client.write_all(b"one\ntwo\nthree\n")?;
    client.shutdown(Shutdown::Write)?;
    let mut back = Vec::new();
    client.read_to_end(&mut back)?;
    assert_eq!(back, b"one\ntwo\nthree\n");
    Ok(())
}

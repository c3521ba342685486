//! The poll server against difficult peers: big streams (partial writes),
//! a client that never reads, a client that half-closes. (That they leave
//! no fd behind is `no_leaks.rs`.)

mod util;

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::thread;
use std::time::Duration;

use ch05_poll::server::MAX_PENDING;
use course::testing::wait_until;
use util::{PATIENCE, Running, connect, round_trip};
#[test]
fn a_large_stream_comes_back_whole_and_in_order() -> io::Result<()> {
    // 8 MiB is far more than the socket buffers hold: the server's writes
    // come up short, and it must keep the rest and wait for room.
    let server = Running::start()?;
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

#[test]
fn a_client_that_never_reads_is_held_back_and_does_not_stall_the_others() -> io::Result<()> {
    let server = Running::start()?;
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
    round_trip(&mut polite, b"anyone home?\n")?;
    drop(greedy);
    round_trip(&mut polite, b"still?\n")?;
    Ok(())
}

#[test]
fn a_client_that_half_closes_gets_every_echo_then_the_end() -> io::Result<()> {
    let server = Running::start()?;
    let mut client = connect(server.addr)?;
    client.write_all(b"one\ntwo\nthree\n")?;
    client.shutdown(Shutdown::Write)?;
    let mut back = Vec::new();
    client.read_to_end(&mut back)?;
    assert_eq!(back, b"one\ntwo\nthree\n");
    Ok(())
}

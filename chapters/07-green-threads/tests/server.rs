//! Chapter 07's server: a green thread per client serves many clients at
//! once on one OS thread, and a client that vanishes disturbs nobody.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::thread;

use course::line_client::{connect, echo_bytes};
use course::testing::PATIENCE;
use ghetto_loop::sys::Socket;

/// Starts the server on its own OS thread (its green threads live there);
/// it serves until the test process ends.
fn start() -> SocketAddr {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 64).unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || ch07_green_threads::server::serve_on(listener));
    addr
}

#[test]
fn two_clients_are_served_at_once() {
    let addr = start();
    let mut first = connect(addr).unwrap();
    echo_bytes(&mut first, b"hello").unwrap();
    // The first client is still connected, in the middle of its loop: a
    // blocking server would not even accept the second one.
    let mut second = connect(addr).unwrap();
    echo_bytes(&mut second, b"hi").unwrap();
    echo_bytes(&mut first, b"still here").unwrap();
    echo_bytes(&mut second, b"me too").unwrap();
}

#[test]
fn a_large_message_comes_back_whole() {
    let addr = start();
    let mut client = connect(addr).unwrap();
    let message: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    // Write from another thread while this one reads: with 4 MiB in flight
    // both directions fill up, and the server's writes must wait their turn
    // (partial writes, then "would block") without losing a byte.
    let mut writer = client.try_clone().unwrap();
    let sent = message.clone();
    let writing = thread::spawn(move || writer.write_all(&sent));
    let mut got = vec![0; message.len()];
    client.read_exact(&mut got).unwrap();
    writing.join().unwrap().unwrap();
    assert!(got == message, "the echo differs from what was sent");
}

#[test]
fn a_client_that_vanishes_mid_message_disturbs_nobody() {
    let addr = start();
    let mut steady = connect(addr).unwrap();
    echo_bytes(&mut steady, b"one").unwrap();
    {
        // Sends a lot, reads nothing, and hangs up: the server's write to it
        // fails (connection reset or broken pipe) and its green thread ends.
        let mut rude = connect(addr).unwrap();
        rude.set_write_timeout(Some(PATIENCE)).unwrap();
        // Whether all of it fits in the socket buffers or not does not
        // matter: what matters is that it leaves with data unread.
        let _ = rude.write_all(&vec![b'x'; 256 * 1024]);
    }
    echo_bytes(&mut steady, b"two").unwrap();
    let mut newcomer = connect(addr).unwrap();
    echo_bytes(&mut newcomer, b"three").unwrap();
}

//! Chapter 07's server: a green thread per client serves many clients at
//! once on one OS thread, and a client that vanishes disturbs nobody.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use ghetto_loop::sys::Socket;

/// Starts the server on its own OS thread (its green threads live there);
/// it serves until the test process ends.
fn start() -> SocketAddr {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 64).unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || ch07_green_threads::server::serve_on(listener));
    addr
}

/// A client whose reads give up after 10 s, so a bug fails the test.
fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

fn echo(stream: &mut TcpStream, text: &str) -> String {
    stream.write_all(text.as_bytes()).unwrap();
    let mut buf = vec![0; text.len()];
    stream.read_exact(&mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

#[test]
fn two_clients_are_served_at_once() {
    let addr = start();
    let mut first = connect(addr);
    assert_eq!(echo(&mut first, "hello"), "hello");
    // The first client is still connected, in the middle of its loop: a
    // blocking server would not even accept the second one.
    let mut second = connect(addr);
    assert_eq!(echo(&mut second, "hi"), "hi");
    assert_eq!(echo(&mut first, "still here"), "still here");
    assert_eq!(echo(&mut second, "me too"), "me too");
}

#[test]
fn a_large_message_comes_back_whole() {
    let addr = start();
    let mut client = connect(addr);
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
    let mut steady = connect(addr);
    assert_eq!(echo(&mut steady, "one"), "one");
    {
        // Sends a lot, reads nothing, and hangs up: the server's write to it
        // fails (connection reset or broken pipe) and its green thread ends.
        let mut rude = connect(addr);
        rude.set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // Whether all of it fits in the socket buffers or not does not
        // matter: what matters is that it leaves with data unread.
        let _ = rude.write_all(&vec![b'x'; 256 * 1024]);
    }
    assert_eq!(echo(&mut steady, "two"), "two");
    let mut newcomer = connect(addr);
    assert_eq!(echo(&mut newcomer, "three"), "three");
}

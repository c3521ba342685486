//! Chapter 09's polling server: one task per client on the sleeping
//! scheduler serves several clients at once, each reply within a poll
//! interval or so.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::thread;

use course::line_client::{connect, echo_bytes};
use ghetto_loop::sys::Socket;

fn start() -> SocketAddr {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 64).unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || ch09_cooperative_scheduler::server::serve_on(listener));
    addr
}

#[test]
fn two_clients_are_served_at_once() {
    let addr = start();
    let mut first = connect(addr).unwrap();
    echo_bytes(&mut first, b"hello").unwrap();
    let mut second = connect(addr).unwrap();
    echo_bytes(&mut second, b"hi").unwrap();
    echo_bytes(&mut first, b"still here").unwrap();
}

#[test]
fn a_large_message_comes_back_whole() {
    let addr = start();
    let mut client = connect(addr).unwrap();
    let message: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut writer = client.try_clone().unwrap();
    let sent = message.clone();
    let writing = thread::spawn(move || writer.write_all(&sent));
    let mut got = vec![0; message.len()];
    client.read_exact(&mut got).unwrap();
    writing.join().unwrap().unwrap();
    assert!(got == message, "the echo differs from what was sent");
}

#[test]
fn a_client_that_vanishes_disturbs_nobody() {
    let addr = start();
    let mut steady = connect(addr).unwrap();
    echo_bytes(&mut steady, b"one").unwrap();
    {
        let mut rude = connect(addr).unwrap();
        let _ = rude.write_all(&vec![b'x'; 256 * 1024]);
    }
    echo_bytes(&mut steady, b"two").unwrap();
}

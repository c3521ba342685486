//! Chapter 09's polling server: one task per client on the sleeping
//! scheduler serves several clients at once, each reply within a poll
//! interval or so.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use ghetto_loop::sys::Socket;

fn start() -> SocketAddr {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 64).unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || ch09_cooperative_scheduler::server::serve_on(listener));
    addr
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
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
    let mut second = connect(addr);
    assert_eq!(echo(&mut second, "hi"), "hi");
    assert_eq!(echo(&mut first, "still here"), "still here");
}

#[test]
fn a_large_message_comes_back_whole() {
    let addr = start();
    let mut client = connect(addr);
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
    let mut steady = connect(addr);
    assert_eq!(echo(&mut steady, "one"), "one");
    {
        let mut rude = connect(addr);
        let _ = rude.write_all(&vec![b'x'; 256 * 1024]);
    }
    assert_eq!(echo(&mut steady, "two"), "two");
}

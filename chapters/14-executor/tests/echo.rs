//! The task-per-client echo server: clients served side by side on one
//! thread, and a reply bigger than the socket takes at once.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;

use ch14_executor::echo;
use course::line_client::echo_all;
use course::testing::PATIENCE;
use ghetto_loop::event_loop::{EventLoop, LoopHandle, Remote};
use ghetto_loop::sys::Socket;

/// Runs the server on a loop in a thread of its own; returns its address
/// and a way to stop it.
fn spawn_server() -> (SocketAddr, Remote, thread::JoinHandle<io::Result<()>>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = thread::spawn(move || -> io::Result<()> {
        let lp = EventLoop::new()?;
        let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 128)?;
        tx.send((listener.local_addr()?, lp.remote()))
            .expect("the test is waiting");
        // run_forever runs tasks too: they are entries in its ready queue.
        drop(lp.handle().spawn(echo::accept_loop(listener)));
        lp.run_forever()
    });
    let (addr, remote) = rx.recv_timeout(PATIENCE).expect("the server started");
    (addr, remote, server)
}

fn client(addr: SocketAddr) -> io::Result<TcpStream> {
    let c = TcpStream::connect(addr)?;
    c.set_read_timeout(Some(PATIENCE))?;
    Ok(c)
}

fn round_trip(c: &mut TcpStream, line: &str) -> io::Result<String> {
    c.write_all(line.as_bytes())?;
    let mut got = vec![0; line.len()];
    c.read_exact(&mut got)?;
    Ok(String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn two_clients_are_served_side_by_side() -> io::Result<()> {
    let (addr, remote, server) = spawn_server();
    let mut one = client(addr)?;
    let mut two = client(addr)?;
    assert_eq!(round_trip(&mut one, "hello\n")?, "hello\n");
    // client one is still connected while two is served.
    assert_eq!(round_trip(&mut two, "hi\n")?, "hi\n");
    assert_eq!(round_trip(&mut one, "bye\n")?, "bye\n");
    drop((one, two));
    remote.call_soon_threadsafe(|| LoopHandle::current().stop())?;
    server.join().expect("the server does not panic")
}

#[test]
fn a_reply_bigger_than_the_socket_buffers_comes_back_whole() -> io::Result<()> {
    let (addr, remote, server) = spawn_server();
    let c = client(addr)?;
    let expected: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
    // Writing and reading at once: the server's writes would block on a
    // client that does not read.
    let got = echo_all(&c, &expected)?;
    assert!(
        got == expected,
        "{} bytes back of {}",
        got.len(),
        expected.len()
    );
    remote.call_soon_threadsafe(|| LoopHandle::current().stop())?;
    server.join().expect("the server does not panic")
}

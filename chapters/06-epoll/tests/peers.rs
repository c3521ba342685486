//! The epoll server (the default backend) against difficult peers: big streams (partial writes),
//! a client that never reads, a client that half-closes. (That they leave
//! no fd behind is `no_leaks.rs`.)

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ch06_epoll::server::{EchoServer, MAX_PENDING, Stop};
use course::testing::{open_fds, wait_until};
use ghetto_loop::sys::{SelectorKind, Socket};

const PATIENCE: Duration = Duration::from_secs(10);

/// A server on its own thread; stopped and joined on drop.
struct Running {
    addr: SocketAddr,
    stop: Stop,
    thread: Option<JoinHandle<io::Result<EchoServer>>>,
}

impl Running {
    fn start() -> io::Result<Running> {
        let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 64)?;
        let server = EchoServer::new(SelectorKind::Epoll.open()?, listener)?;
        let addr = server.local_addr()?;
        let stop = server.stop_handle();
        let thread = {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut server = server;
                server.run_until_stopped(&stop, None)?;
                Ok(server)
            })
        };
        Ok(Running {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    fn finish(mut self) -> EchoServer {
        self.stop.stop().expect("wake");
        let thread = self.thread.take().expect("not finished yet");
        thread
            .join()
            .expect("the server thread does not panic")
            .expect("the server runs without error")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.stop.stop();
            let _ = thread.join();
        }
    }
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    Ok(stream)
}

fn round_trip(stream: &mut TcpStream, data: &[u8]) -> io::Result<()> {
    stream.write_all(data)?;
    let mut back = vec![0; data.len()];
    stream.read_exact(&mut back)?;
    assert_eq!(back, data);
    Ok(())
}

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

//! The poll server leaves nothing open: whatever its clients do (reset,
//! vanish mid-stream, say nothing), every fd it opened is closed once they
//! are gone, and its own close with it.
//!
//! A test binary of its own: it counts the process's open fds, so no other
//! test may be opening and closing fds at the same time, even under a plain
//! `cargo test` that runs a binary's tests on threads.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ch05_poll::server::{EchoServer, MAX_PENDING, Stop};
use course::testing::{open_fds, wait_until};
use ghetto_loop::sys::{Poll, Socket};

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
        let server = EchoServer::new(Poll::new()?, listener)?;
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
fn resets_and_vanishing_clients_leave_nothing_open() -> io::Result<()> {
    let before = open_fds();
    let server = Running::start()?;
    let own = open_fds() - before; // listener + selector
    {
        // A reset: close with our echo unread.
        let mut rude = connect(server.addr)?;
        rude.write_all(b"bye\n")?;
        let mut peek = [0u8; 1];
        rude.peek(&mut peek)?;
        drop(rude);

        // A client that sends a lot and leaves without reading a byte.
        let mut gone = connect(server.addr)?;
        gone.write_all(&vec![1u8; 512 * 1024])?;
        drop(gone);

        // A client that connects and says nothing at all.
        let silent = connect(server.addr)?;
        drop(silent);

        // And one who behaves, to prove the server is still fine.
        let mut polite = connect(server.addr)?;
        round_trip(&mut polite, b"hello\n")?;
    }
    let all_closed = wait_until(PATIENCE, || open_fds() == before + own);
    assert!(
        all_closed,
        "{} fds open, expected {}",
        open_fds(),
        before + own
    );
    let server = server.finish();
    assert_eq!(server.clients(), 0);
    drop(server);
    assert_eq!(open_fds(), before, "the server's own fds close with it");
    Ok(())
}

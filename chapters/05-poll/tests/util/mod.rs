//! The harness both peer tests share: an echo server on its own thread, and
//! clients with bounded reads and writes.

#![allow(dead_code)] // each test binary uses the part it needs

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ch05_poll::server::{EchoServer, Stop};
use ghetto_loop::sys::{Poll, Socket};

pub const PATIENCE: Duration = Duration::from_secs(10);

/// A server on its own thread; stopped and joined on drop.
pub struct Running {
    pub addr: SocketAddr,
    stop: Stop,
    thread: Option<JoinHandle<io::Result<EchoServer>>>,
}

impl Running {
    pub fn start() -> io::Result<Running> {
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

    pub fn finish(mut self) -> EchoServer {
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

pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    Ok(stream)
}

pub fn round_trip(stream: &mut TcpStream, data: &[u8]) -> io::Result<()> {
    stream.write_all(data)?;
    let mut back = vec![0; data.len()];
    stream.read_exact(&mut back)?;
    assert_eq!(back, data);
    Ok(())
}

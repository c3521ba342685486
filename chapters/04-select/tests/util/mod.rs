//! The harness the server's tests share: the echo server on its own thread,
//! on any backend, and clients with bounded reads and writes.

#![allow(dead_code)] // each test binary uses the part it needs

use std::io;
use std::net::SocketAddr;
use std::thread::{self, JoinHandle};

use ch04_select::server::{EchoServer, Stopper};
pub use course::line_client::{connect, echo_bytes};
use ghetto_loop::sys::{Selector, SelectorKind, Socket};

/// The server these tests run: chapter 04's, on a backend picked at run time.
pub type Server = EchoServer<Box<dyn Selector>>;

/// A server on its own thread; stopped and joined on drop.
pub struct Running {
    pub addr: SocketAddr,
    stop: Stopper,
    thread: Option<JoinHandle<io::Result<Server>>>,
}

impl Running {
    /// Starts the server on a `kind` selector.
    pub fn start(kind: SelectorKind) -> io::Result<Running> {
        let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 64)?;
        let server = EchoServer::new(kind.open()?, listener)?;
        let addr = server.local_addr()?;
        let stop = server.stopper();
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

    pub fn finish(mut self) -> Server {
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

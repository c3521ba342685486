// Exercise 15-2: `accept` by hand, from `Registration::poll_io`. See
// README.md.

use std::io;
use std::net::SocketAddr;

// You will want `std::future::poll_fn` and `event_loop::Direction` too.
use ghetto_loop::event_loop::{LoopHandle, Registration};
use ghetto_loop::sys::Socket;

/// The listen backlog: connections the kernel queues before `accept`.
pub const BACKLOG: i32 = 128;

/// A listening socket on the loop's reactor.
#[derive(Debug)]
pub struct Listener {
    /// The socket, registered with the loop: its readiness and the waker
    /// of the task waiting to accept live in the loop's fd table.
    registration: Registration<Socket>,
}

impl Listener {
    /// Binds `addr`, listens, makes the socket non-blocking and registers
    /// it with `lp`.
    pub fn bind(lp: &LoopHandle, addr: SocketAddr) -> io::Result<Listener> {
        todo!("Socket::listen, set_nonblocking, Registration::new")
    }

    /// Waits for the next connection; returns its socket (non-blocking)
    /// and the peer's address.
    pub async fn accept(&self) -> io::Result<(Socket, SocketAddr)> {
        todo!("poll_fn around self.registration.poll_io(...)")
    }

    /// The listening socket.
    pub fn socket(&self) -> &Socket {
        self.registration.get_ref()
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket().local_addr()
    }
}

// Exercise 15-2: `accept` by hand, from `Registration::poll_io` (reference
// solution).

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;

use ghetto_loop::event_loop::{Direction, LoopHandle, Registration};
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
        let socket = Socket::listen(addr, BACKLOG)?;
        // Every call is tried first: a blocking accept would stall the loop.
        socket.set_nonblocking(true)?;
        Ok(Listener {
            registration: Registration::new(lp, socket)?,
        })
    }

    /// Waits for the next connection; returns its socket (non-blocking)
    /// and the peer's address.
    pub async fn accept(&self) -> io::Result<(Socket, SocketAddr)> {
        // poll_io tries accept; on WouldBlock it clears the readiness,
        // leaves this task's waker and says Pending; the loop wakes the
        // task when the selector reports the listener readable.
        poll_fn(|cx| {
            self.registration
                .poll_io(Direction::Read, cx, |socket| socket.accept_nonblocking())
        })
        .await
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

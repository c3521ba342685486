//! `TcpListener`: accept connections without blocking the loop (chapter 15).

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};

use super::TcpStream;
use crate::event_loop::{Direction, LoopHandle, Registration};
use crate::sys::Socket;

/// The listen backlog: connections the kernel completes and queues before
/// the server accepts them.
const BACKLOG: i32 = 1024;

/// A listening TCP socket on the loop.
pub struct TcpListener {
    registration: Registration<Socket>,
}

impl TcpListener {
    /// Binds `addr` (port 0: the kernel picks one) and listens, on the loop
    /// running this task. Async only to find that loop when first polled,
    /// like tokio's `bind`.
    pub async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::bind_on(&LoopHandle::current(), addr)
    }

    /// Binds `addr` and listens, on `lp` (which need not be running).
    pub fn bind_on(lp: &LoopHandle, addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::from_socket(lp, Socket::listen(addr, BACKLOG)?)
    }

    /// Binds `addr` with `SO_REUSEPORT` and listens, on the loop running
    /// this task: several listeners, one per loop (and thread), may share
    /// one port, and the kernel spreads connections across them. Every
    /// listener on the port must set it, so bind port 0 once, then bind the
    /// port it got.
    ///
    /// ```
    /// use ghetto_loop::net::TcpListener;
    ///
    /// ghetto_loop::run(async {
    ///     let first = TcpListener::bind_reuse_port("127.0.0.1:0".parse().unwrap()).await?;
    ///     let second = TcpListener::bind_reuse_port(first.local_addr()?).await?;
    ///     assert_eq!(first.local_addr()?, second.local_addr()?);
    ///     Ok::<(), std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind_reuse_port(addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::bind_reuse_port_on(&LoopHandle::current(), addr)
    }

    /// Binds `addr` with `SO_REUSEPORT` and listens, on `lp`.
    pub fn bind_reuse_port_on(lp: &LoopHandle, addr: SocketAddr) -> io::Result<TcpListener> {
        TcpListener::from_socket(lp, Socket::listen_reuse_port(addr, BACKLOG)?)
    }

    /// Makes an already listening socket async, on `lp`.
    pub fn from_socket(lp: &LoopHandle, socket: Socket) -> io::Result<TcpListener> {
        socket.set_nonblocking(true)?;
        Ok(TcpListener {
            registration: Registration::new(lp, socket)?,
        })
    }

    /// Waits for the next connection and returns it, with its address.
    ///
    /// Errors are `accept`'s: out of fds (`EMFILE`) is one a server should
    /// survive: report it, wait a little, and accept again (the connection
    /// stays in the kernel's queue meanwhile).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `accept` took no connection from the queue.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (socket, peer) = poll_fn(|cx| {
            self.registration.poll_io(Direction::Read, cx, |listener| {
                loop {
                    match listener.accept_nonblocking() {
                        // The peer gave up before we took it: take the next.
                        Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                        other => return other,
                    }
                }
            })
        })
        .await?;
        Ok((
            TcpStream::from_nonblocking(self.registration.loop_handle(), socket)?,
            peer,
        ))
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.registration.get_ref().local_addr()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.registration.get_ref().as_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("TcpListener");
        if let Ok(addr) = self.local_addr() {
            s.field("addr", &addr);
        }
        s.finish()
    }
}

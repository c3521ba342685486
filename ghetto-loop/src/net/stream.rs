//! `TcpStream`: read and write without blocking the loop (chapter 15).

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd};
use std::task::{Context, Poll};

use crate::event_loop::{Direction, LoopHandle, Registration};
use crate::sys::{Shutdown, Socket};

/// A connected TCP socket on the loop.
///
/// Methods take `&self`, so a reader task and a writer task may share one
/// stream (in an `Rc`); one task per direction is woken.
pub struct TcpStream {
    registration: Registration<Socket>,
}

impl TcpStream {
    /// Connects to `addr` without blocking the loop: starts the handshake,
    /// waits until the socket is writable, then reads `SO_ERROR` to learn
    /// how it ended (refused, unreachable, or connected).
    ///
    /// "Writable" is a hint, like every readiness event: a spurious one
    /// comes while the handshake still runs. So a socket without an error is
    /// also asked for its peer (`getpeername`); `NotConnected` means "not
    /// yet", and the task waits again. mio's documentation of
    /// `TcpStream::connect` gives the same recipe.
    ///
    /// # Cancel safety
    ///
    /// Dropping it halfway closes the half-open socket; nothing is left.
    pub async fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
        let lp = LoopHandle::current();
        let stream = TcpStream::from_nonblocking(&lp, Socket::connect_nonblocking(addr)?)?;
        let socket = stream.registration.get_ref();
        loop {
            poll_fn(|cx| stream.registration.poll_ready(Direction::Write, cx)).await?;
            if let Some(e) = socket.take_error()? {
                return Err(e);
            }
            match socket.peer_addr() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    stream.registration.clear_ready(Direction::Write);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(stream)
    }

    /// Makes a connected, non-blocking socket async on `lp`. Sets
    /// `TCP_NODELAY`: on a loop, small writes are the common case and
    /// Nagle's delay would add up to 40 ms to each.
    pub fn from_nonblocking(lp: &LoopHandle, socket: Socket) -> io::Result<TcpStream> {
        debug_assert!(socket.is_nonblocking().unwrap_or(true));
        socket.set_nodelay(true)?;
        Ok(TcpStream {
            registration: Registration::new(lp, socket)?,
        })
    }

    /// Reads at most `buf.len()` bytes; `Ok(0)` is end-of-file.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `read` read nothing (a read that got bytes
    /// has returned them).
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes; `UnexpectedEof` if the peer closes
    /// first.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes read before the drop are lost with the future.
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Writes some prefix of `buf` (at least one byte unless `buf` is
    /// empty) and returns how much.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `write` wrote nothing.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_write(cx, buf)).await
    }

    /// Writes all of `buf`, waiting for room as often as needed. A peer
    /// that is gone is an error here (`BrokenPipe`, `ConnectionReset`),
    /// never a signal.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: dropped halfway, some prefix of `buf` was sent and
    /// the caller cannot know how much.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Waits until the stream is thought readable, without reading: then
    /// [`try_read`](TcpStream::try_read) into a buffer that need not live
    /// across the wait. A server can so share one read buffer among all its
    /// connections, instead of holding one per idle connection (tokio's
    /// `readable` + `try_read`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it consumes nothing.
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.registration.poll_ready(Direction::Read, cx)).await
    }

    /// Waits until the stream is thought writable (see
    /// [`readable`](TcpStream::readable)).
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.registration.poll_ready(Direction::Write, cx)).await
    }

    /// Reads now, without waiting: `WouldBlock` if nothing is there (and
    /// the next [`readable`](TcpStream::readable) waits for the selector).
    /// A read shorter than `buf` clears the readiness, as in `poll_read`.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self.registration.get_ref().read(buf) {
            Ok(n) => {
                if n > 0 && n < buf.len() {
                    self.registration.clear_ready(Direction::Read);
                }
                Ok(n)
            }
            Err(e) => {
                if e.kind() == io::ErrorKind::WouldBlock {
                    self.registration.clear_ready(Direction::Read);
                }
                Err(e)
            }
        }
    }

    /// Writes now, without waiting: how much the socket took, or
    /// `WouldBlock` (and the next [`writable`](TcpStream::writable) waits).
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        let result = self.registration.get_ref().write(buf);
        if result
            .as_ref()
            .is_err_and(|e| e.kind() == io::ErrorKind::WouldBlock)
        {
            self.registration.clear_ready(Direction::Write);
        }
        result
    }

    /// The poll behind [`read`](TcpStream::read), for hand-written futures.
    ///
    /// A read shorter than `buf` means the socket had no more: the
    /// readiness is cleared, so the next read waits for the selector
    /// instead of making a system call only to hear `WouldBlock`. Level-
    /// triggered selectors make that safe: bytes that arrive meanwhile are
    /// reported by the next wait.
    pub fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let poll = self
            .registration
            .poll_io(Direction::Read, cx, |socket| socket.read(buf));
        if let Poll::Ready(Ok(n)) = poll
            && n > 0
            && n < buf.len()
        {
            self.registration.clear_ready(Direction::Read);
        }
        poll
    }

    /// The poll behind [`write`](TcpStream::write).
    pub fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.registration
            .poll_io(Direction::Write, cx, |socket| socket.write(buf))
    }

    /// Closes one or both halves (`Shutdown::Write`: the peer reads
    /// end-of-file once it has read everything sent before).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.registration.get_ref().shutdown(how)
    }

    /// The address of the other end.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.registration.get_ref().peer_addr()
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.registration.get_ref().local_addr()
    }
}

impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.registration.get_ref().as_fd()
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("TcpStream");
        if let Ok(addr) = self.peer_addr() {
            s.field("peer", &addr);
        }
        s.finish()
    }
}

//! A TCP socket as a bare, owned file descriptor (chapter 01).
//!
//! `std::net::TcpStream` does all of this for you. We do it by hand once, so
//! that "a socket is a file descriptor" and "`accept` and `read` block the
//! thread" are things you have seen in code, not things you were told.

use std::io;
use std::mem;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::addr::{from_sockaddr, to_sockaddr};
use super::fault::{self, Call};

/// A TCP socket: one owned file descriptor and nothing else.
///
/// Blocking by default, like every fd the kernel hands out; chapter 03 turns
/// that off with [`Socket::set_nonblocking`].
///
/// ```
/// use ghetto_loop::sys::Socket;
/// use std::io::{Read, Write};
///
/// let server = Socket::listen("127.0.0.1:0".parse().unwrap(), 16)?;
/// let client = Socket::connect(server.local_addr()?)?;
/// let (conn, _peer) = server.accept()?;
/// (&client).write_all(b"ping")?;
/// let mut buf = [0; 4];
/// (&conn).read_exact(&mut buf)?;
/// assert_eq!(&buf, b"ping");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Socket {
    fd: OwnedFd,
}

/// Which half of a connection [`Socket::shutdown`] closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// No more reads: `SHUT_RD`.
    Read,
    /// No more writes; the peer reads end-of-file: `SHUT_WR`.
    Write,
    /// Both halves: `SHUT_RDWR`.
    Both,
}

impl Socket {
    /// `socket(2)`: a new, unconnected TCP socket for `addr`'s family.
    pub fn tcp_for(addr: &SocketAddr) -> io::Result<Socket> {
        let family = match addr {
            SocketAddr::V4(_) => libc::AF_INET,
            SocketAddr::V6(_) => libc::AF_INET6,
        };
        // SAFETY: socket(2) takes plain integers and has no memory
        // preconditions.
        let fd = syscall!(socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0))?;
        // SAFETY: socket(2) just returned this fd and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Socket { fd })
    }

    /// `socket` + `setsockopt(SO_REUSEADDR)` + `bind` + `listen`: a server
    /// socket ready to `accept`. Bind port 0 to let the kernel pick a free one.
    pub fn listen(addr: SocketAddr, backlog: i32) -> io::Result<Socket> {
        Socket::listen_with(addr, backlog, false)
    }

    /// [`listen`](Socket::listen) with `SO_REUSEPORT` set before `bind`:
    /// other sockets that set it too may listen on the same port.
    pub fn listen_reuse_port(addr: SocketAddr, backlog: i32) -> io::Result<Socket> {
        Socket::listen_with(addr, backlog, true)
    }

    fn listen_with(addr: SocketAddr, backlog: i32, reuse_port: bool) -> io::Result<Socket> {
        let socket = Socket::tcp_for(&addr)?;
        // Without SO_REUSEADDR a restarted server fails with EADDRINUSE for as
        // long as its old connections sit in TIME_WAIT.
        socket.set_reuse_address(true)?;
        if reuse_port {
            socket.set_reuse_port(true)?;
        }
        socket.bind(addr)?;
        // SAFETY: listen(2) takes an fd we own and an integer.
        syscall!(listen(socket.fd.as_raw_fd(), backlog))?;
        Ok(socket)
    }

    /// `socket` + `connect`: a connected client socket (blocks until the
    /// handshake is done or refused).
    pub fn connect(addr: SocketAddr) -> io::Result<Socket> {
        let socket = Socket::tcp_for(&addr)?;
        let (storage, len) = to_sockaddr(&addr);
        loop {
            // SAFETY: `storage` is a valid sockaddr of `len` bytes for the
            // socket's family; the kernel only reads it.
            let res = syscall!(connect(
                socket.fd.as_raw_fd(),
                (&raw const storage).cast::<libc::sockaddr>(),
                len
            ));
            let res = fault::after(Call::Connect, res);
            match res {
                Ok(_) => return Ok(socket),
                // A signal interrupted the handshake; it goes on in the kernel,
                // and connecting again is how we wait for it.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.raw_os_error() == Some(libc::EISCONN) => return Ok(socket),
                Err(e) => return Err(e),
            }
        }
    }

    /// `socket` + a non-blocking `connect` (chapter 15): returns at once,
    /// with the handshake under way. The socket turns writable when it ends;
    /// then [`take_error`](Socket::take_error) says whether it failed.
    pub fn connect_nonblocking(addr: SocketAddr) -> io::Result<Socket> {
        let socket = Socket::tcp_for(&addr)?;
        socket.set_nonblocking(true)?;
        let (storage, len) = to_sockaddr(&addr);
        // SAFETY: `storage` is a valid sockaddr of `len` bytes for the
        // socket's family; the kernel only reads it.
        let res = syscall!(connect(
            socket.fd.as_raw_fd(),
            (&raw const storage).cast::<libc::sockaddr>(),
            len
        ));
        let res = fault::after(Call::Connect, res);
        match res {
            Ok(_) => Ok(socket),
            // The handshake goes on in the kernel (EINTR too: a signal only
            // interrupted our wait for it, not the handshake).
            Err(e)
                if e.raw_os_error() == Some(libc::EINPROGRESS)
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                Ok(socket)
            }
            Err(e) => Err(e),
        }
    }

    /// `bind(2)`: give the socket a local address.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        let (storage, len) = to_sockaddr(&addr);
        // SAFETY: `storage` is a valid sockaddr of `len` bytes; the kernel
        // only reads it.
        syscall!(bind(
            self.fd.as_raw_fd(),
            (&raw const storage).cast::<libc::sockaddr>(),
            len
        ))?;
        Ok(())
    }

    /// `accept4(2)`: take the next connection from the queue, blocking until
    /// there is one (unless the socket is non-blocking, chapter 03).
    ///
    /// The new socket is `CLOEXEC` and, like every new fd, blocking.
    pub fn accept(&self) -> io::Result<(Socket, SocketAddr)> {
        self.accept_with(libc::SOCK_CLOEXEC)
    }

    /// `accept4(2)` with `SOCK_NONBLOCK`: like [`accept`](Socket::accept),
    /// but the new socket is non-blocking from birth, which saves the two
    /// `fcntl` calls of `set_nonblocking` per connection (chapter 15).
    pub fn accept_nonblocking(&self) -> io::Result<(Socket, SocketAddr)> {
        self.accept_with(libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK)
    }

    fn accept_with(&self, flags: libc::c_int) -> io::Result<(Socket, SocketAddr)> {
        // SAFETY: sockaddr_storage is plain old data; all zeroes is valid.
        let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let fd = loop {
            // SAFETY: `storage` is writable for `len` bytes, and `len` tells
            // the kernel so; it writes back how many bytes it used.
            let res = fault::before(Call::Accept, self.fd.as_raw_fd()).and_then(|()| {
                syscall!(accept4(
                    self.fd.as_raw_fd(),
                    (&raw mut storage).cast::<libc::sockaddr>(),
                    &mut len,
                    flags
                ))
            });
            match res {
                Ok(fd) => break fd,
                // A signal arrived while we slept in accept: just sleep again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        // SAFETY: accept4 just returned this fd and nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let socket = Socket { fd };
        Ok((socket, from_sockaddr(&storage)?))
    }

    /// `read(2)`: at most `buf.len()` bytes; `Ok(0)` means the peer closed
    /// its side (end-of-file). Blocks until some data or EOF arrives.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            // SAFETY: `buf` is valid for writes of `buf.len()` bytes (the
            // fault layer's `length` is never longer).
            let res = fault::before(Call::Read, self.fd.as_raw_fd()).and_then(|()| {
                syscall!(read(
                    self.fd.as_raw_fd(),
                    buf.as_mut_ptr().cast::<libc::c_void>(),
                    fault::length(Call::Read, buf.len())
                ))
            });
            match res {
                Ok(n) => return Ok(n as usize),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// `send(2)` with `MSG_NOSIGNAL`: writes some prefix of `buf` and returns
    /// how much. It may be less than all of it: the caller loops.
    ///
    /// `MSG_NOSIGNAL` turns "the peer is gone" into an `EPIPE` error instead
    /// of a `SIGPIPE` that would kill the whole process: one bad client must
    /// never take down a server.
    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        loop {
            // SAFETY: `buf` is valid for reads of `buf.len()` bytes (the
            // fault layer's `length` is never longer).
            let res = fault::before(Call::Write, self.fd.as_raw_fd()).and_then(|()| {
                syscall!(send(
                    self.fd.as_raw_fd(),
                    buf.as_ptr().cast::<libc::c_void>(),
                    fault::length(Call::Write, buf.len()),
                    libc::MSG_NOSIGNAL
                ))
            });
            match res {
                Ok(n) => return Ok(n as usize),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// `shutdown(2)`: close one or both halves of the connection without
    /// closing the fd. `Shutdown::Write` is how a client says "that was all".
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => libc::SHUT_RD,
            Shutdown::Write => libc::SHUT_WR,
            Shutdown::Both => libc::SHUT_RDWR,
        };
        // SAFETY: shutdown(2) takes an fd we own and an integer.
        syscall!(shutdown(self.fd.as_raw_fd(), how))?;
        Ok(())
    }

    /// Switches `O_NONBLOCK` on or off (chapter 03): with it on, a call that
    /// would wait fails with `ErrorKind::WouldBlock` (`EAGAIN`) instead.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        let fd = self.fd.as_raw_fd();
        // SAFETY: F_GETFL on an fd we own has no other arguments.
        let flags = syscall!(fcntl(fd, libc::F_GETFL))?;
        let flags = if nonblocking {
            flags | libc::O_NONBLOCK
        } else {
            flags & !libc::O_NONBLOCK
        };
        // SAFETY: F_SETFL takes an int of file status flags.
        syscall!(fcntl(fd, libc::F_SETFL, flags))?;
        Ok(())
    }

    /// Whether `O_NONBLOCK` is set.
    pub fn is_nonblocking(&self) -> io::Result<bool> {
        // SAFETY: F_GETFL on an fd we own has no other arguments.
        let flags = syscall!(fcntl(self.fd.as_raw_fd(), libc::F_GETFL))?;
        Ok(flags & libc::O_NONBLOCK != 0)
    }

    /// `SO_REUSEADDR`: allow binding an address that old connections still
    /// hold in `TIME_WAIT`.
    pub fn set_reuse_address(&self, on: bool) -> io::Result<()> {
        self.set_int_option(libc::SOL_SOCKET, libc::SO_REUSEADDR, on as libc::c_int)
    }

    /// `SO_REUSEPORT`: let several sockets bind the same address and port,
    /// each listening; the kernel spreads new connections across them by a
    /// hash of the peer's address. One loop per core, each with a listener
    /// of its own on one port, is built on it (the capstone's `--per-core`).
    pub fn set_reuse_port(&self, on: bool) -> io::Result<()> {
        self.set_int_option(libc::SOL_SOCKET, libc::SO_REUSEPORT, on as libc::c_int)
    }

    /// `TCP_NODELAY`: send small writes at once instead of batching them
    /// (Nagle's algorithm). Echo servers want it: every message is small.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.set_int_option(libc::IPPROTO_TCP, libc::TCP_NODELAY, on as libc::c_int)
    }

    /// `SO_ERROR`: the error a non-blocking `connect` ended with, if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let mut value: libc::c_int = 0;
        let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `value` is writable for `len` bytes.
        syscall!(getsockopt(
            self.fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ERROR,
            (&raw mut value).cast::<libc::c_void>(),
            &mut len
        ))?;
        Ok((value != 0).then(|| io::Error::from_raw_os_error(value)))
    }

    /// `getsockname(2)`: the local address, e.g. the port the kernel picked
    /// for a bind to port 0.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.addr_of(|fd, sa, len| {
            // SAFETY: `sa` is writable for `*len` bytes (see `addr_of`).
            syscall!(getsockname(fd, sa, len))
        })
    }

    /// `getpeername(2)`: the address of the other end.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.addr_of(|fd, sa, len| {
            // SAFETY: `sa` is writable for `*len` bytes (see `addr_of`).
            syscall!(getpeername(fd, sa, len))
        })
    }

    fn addr_of(
        &self,
        call: impl FnOnce(RawFd, *mut libc::sockaddr, *mut libc::socklen_t) -> io::Result<libc::c_int>,
    ) -> io::Result<SocketAddr> {
        // SAFETY: sockaddr_storage is plain old data; all zeroes is valid.
        let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        call(
            self.fd.as_raw_fd(),
            (&raw mut storage).cast::<libc::sockaddr>(),
            &mut len,
        )?;
        from_sockaddr(&storage)
    }

    fn set_int_option(
        &self,
        level: libc::c_int,
        name: libc::c_int,
        value: libc::c_int,
    ) -> io::Result<()> {
        // SAFETY: `value` is a readable c_int and we pass its size.
        syscall!(setsockopt(
            self.fd.as_raw_fd(),
            level,
            name,
            (&raw const value).cast::<libc::c_void>(),
            mem::size_of::<libc::c_int>() as libc::socklen_t
        ))?;
        Ok(())
    }
}

impl io::Read for &Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Socket::read(self, buf)
    }
}

impl io::Write for &Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Socket::write(self, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Nothing is buffered in user space: `write` went straight to the kernel.
        Ok(())
    }
}

impl io::Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Socket::read(self, buf)
    }
}

impl io::Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Socket::write(self, buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl From<Socket> for OwnedFd {
    fn from(socket: Socket) -> OwnedFd {
        socket.fd
    }
}

impl From<OwnedFd> for Socket {
    /// Adopts an fd that must be a TCP socket (for example one from
    /// `std::net::TcpStream::into()`).
    fn from(fd: OwnedFd) -> Socket {
        Socket { fd }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn echo_over_raw_sockets_v4_and_v6() -> io::Result<()> {
        for addr in ["127.0.0.1:0", "[::1]:0"] {
            let server = match Socket::listen(addr.parse().unwrap(), 8) {
                Ok(s) => s,
                // A machine without IPv6 on loopback: nothing to test there.
                Err(e)
                    if addr.starts_with('[') && e.raw_os_error() == Some(libc::EADDRNOTAVAIL) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            };
            let local = server.local_addr()?;
            assert_ne!(local.port(), 0, "the kernel picks a real port for port 0");
            let client = Socket::connect(local)?;
            let (conn, peer) = server.accept()?;
            assert_eq!(peer, client.local_addr()?);
            assert_eq!(conn.peer_addr()?, client.local_addr()?);
            (&client).write_all(b"hello")?;
            client.shutdown(Shutdown::Write)?;
            let mut got = Vec::new();
            (&conn).read_to_end(&mut got)?;
            assert_eq!(got, b"hello");
        }
        Ok(())
    }

    #[test]
    fn nonblocking_read_says_would_block() -> io::Result<()> {
        let server = Socket::listen("127.0.0.1:0".parse().unwrap(), 8)?;
        let _client = Socket::connect(server.local_addr()?)?;
        let (conn, _) = server.accept()?;
        assert!(!conn.is_nonblocking()?);
        conn.set_nonblocking(true)?;
        assert!(conn.is_nonblocking()?);
        let err = conn.read(&mut [0; 8]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        Ok(())
    }

    #[test]
    fn write_to_a_closed_peer_is_an_error_not_a_signal() -> io::Result<()> {
        let server = Socket::listen("127.0.0.1:0".parse().unwrap(), 8)?;
        let client = Socket::connect(server.local_addr()?)?;
        let (conn, _) = server.accept()?;
        drop(client);
        // The first write may still be accepted by the kernel; the peer
        // answers it with RST, and a later write fails with EPIPE or
        // ECONNRESET. Without MSG_NOSIGNAL the process would die here.
        let mut failed = None;
        for _ in 0..100 {
            if let Err(e) = conn.write(b"x") {
                failed = Some(e);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let e = failed.expect("writing to a closed peer must fail");
        assert!(
            matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ),
            "{e}"
        );
        Ok(())
    }

    #[test]
    fn connect_to_a_closed_port_is_refused() {
        let port = {
            let s = Socket::listen("127.0.0.1:0".parse().unwrap(), 1).unwrap();
            s.local_addr().unwrap()
        };
        let err = Socket::connect(port).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }
}

//! `serve`: an echo server with one green thread per client (chapter 07).
//!
//! Each client's code is the straight-line loop of chapter 01's blocking
//! server: read, write it all back, repeat. The difference is in [`read`] and
//! [`write_all`]: the sockets are non-blocking, and when the kernel says
//! "would block" they [`green::yield_now`] and try again on the thread's next
//! turn. That is how green-thread libraries such as gevent make blocking-style
//! code serve many clients on one OS thread.
//!
//! What is still missing is a way to *wait*: when nobody can make progress,
//! this scheduler can only go round and round. The acceptor naps 1 ms when a
//! whole round did nothing (chapter 03's polling interval, in effect). Real
//! green-thread runtimes park the threads on `epoll` instead (gevent's hub,
//! Go's netpoller); chapter 10 does that with generators.

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use ghetto_loop::sys::Socket;

use crate::green;

/// How long the acceptor naps when a whole round of green threads found
/// nothing to do.
pub const IDLE_NAP: Duration = Duration::from_millis(1);

/// Binds `addr`, prints `listening on ADDR`, and serves until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let listener = Socket::listen(addr, 1024)?;
    course::cli::announce_listening(listener.local_addr()?);
    serve_on(listener)?;
    Ok(())
}

/// Serves `listener` on this OS thread: the acceptor and every client are
/// green threads. Returns only if a green thread cannot be started.
pub fn serve_on(listener: Socket) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    green::spawn("acceptor", move || accept_loop(&listener))?;
    let report = green::run();
    // The acceptor loops forever, so `run` returns only if it panicked.
    Err(io::Error::other(format!(
        "the green threads stopped: {:?}",
        report.panicked
    )))
}

/// Accepts clients forever, starting a green thread for each.
fn accept_loop(listener: &Socket) {
    let mut progress_seen = progress();
    loop {
        match listener.accept() {
            Ok((conn, peer)) => start_client(conn, peer),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                green::yield_now();
                // Did anybody read or write anything in the round that just
                // went by? If not, nap rather than spin.
                if progress() == progress_seen {
                    thread::sleep(IDLE_NAP);
                }
                progress_seen = progress();
            }
            // Out of fds (EMFILE), or a connection reset while queued: say
            // so and keep serving the clients we have.
            Err(e) => {
                eprintln!("accept failed: {e}; retrying");
                green::yield_now();
                thread::sleep(IDLE_NAP);
            }
        }
    }
}

fn start_client(conn: Socket, peer: SocketAddr) {
    if let Err(e) = conn.set_nonblocking(true) {
        eprintln!("client {peer}: {e}");
        return;
    }
    let started = green::spawn(format!("client {peer}"), move || {
        if let Err(e) = echo(&conn) {
            eprintln!("client {peer}: {e}");
        }
    });
    if let Err(e) = started {
        // Most likely no memory for another stack: this client is dropped
        // (and its socket closed), the others go on.
        eprintln!("client {peer}: cannot start a green thread: {e}");
    }
}

/// Echoes one client until it closes its side. Reads like blocking code.
pub fn echo(conn: &Socket) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let n = read(conn, &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        write_all(conn, &buf[..n])?;
    }
}

/// Reads from a non-blocking socket, yielding to the other green threads
/// until there is something to read (or end-of-file).
pub fn read(conn: &Socket, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match conn.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => green::yield_now(),
            result => {
                made_progress();
                return result;
            }
        }
    }
}

/// Writes all of `buf`, yielding whenever the socket's send buffer is full.
pub fn write_all(conn: &Socket, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match conn.write(buf) {
            Ok(n) => {
                made_progress();
                buf = &buf[n..];
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => green::yield_now(),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

thread_local! {
    /// Counts successful reads and writes on this OS thread, so the acceptor
    /// can tell a busy round from an idle one.
    static PROGRESS: Cell<u64> = const { Cell::new(0) };
}

fn made_progress() {
    PROGRESS.with(|p| p.set(p.get().wrapping_add(1)));
}

fn progress() -> u64 {
    PROGRESS.with(Cell::get)
}

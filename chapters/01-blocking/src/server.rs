//! The blocking echo server: one client at a time (chapter 01).
//!
//! The textbook loop: `accept` a client, `read` from it and `write` the same
//! bytes back until it hangs up, then `accept` the next one. Every one of those
//! calls can put the thread to sleep, and this server has one thread, so while
//! it waits for one client to speak, nobody else is served. New clients still
//! *connect*: the kernel finishes their handshake and queues them (up to the
//! `listen` backlog) until the server gets round to `accept`.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::Duration;

use anyhow::Context;
use ghetto_loop::sys::{Socket, is_out_of_resources};

/// How many finished handshakes the kernel queues for us while we are busy
/// (the `listen(2)` backlog; the kernel caps it at `net.core.somaxconn`).
pub const BACKLOG: i32 = 128;

/// Binds `addr`, prints `listening on ADDR`, and serves until killed.
///
/// What the server does (accepted, left, failed) goes to stderr, one line
/// per event, so you can watch it while you try it with `nc` or `client`.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let listener =
        Socket::listen(addr, BACKLOG).with_context(|| format!("cannot listen on {addr}"))?;
    course::cli::announce_listening(listener.local_addr()?);
    serve_forever(&listener, &|line| eprintln!("{line}"))?;
    Ok(())
}

/// Serves clients one after another, forever. Returns only if `accept` fails
/// in a way that waiting will not fix (the listener itself is broken).
///
/// `log` hears about every client: the demo puts it on its timeline, `serve`
/// prints it.
pub fn serve_forever(listener: &Socket, log: &dyn Fn(String)) -> io::Result<()> {
    loop {
        serve_next(listener, log)?;
    }
}

/// Accepts one client and echoes it until it leaves.
///
/// A client that misbehaves (resets the connection, vanishes mid-write) is
/// logged and dropped: its error is not the server's error. Only a failing
/// `accept` is returned, after the retries [`accept`] does.
pub fn serve_next(listener: &Socket, log: &dyn Fn(String)) -> io::Result<()> {
    // Blocks until a client is in the kernel's queue.
    let (conn, peer) = accept(listener, log)?;
    // A socket is a file descriptor: a small number indexing this process's
    // table of open files, like any file's.
    log(format!("accepted {peer} as fd {}", conn.as_raw_fd()));
    match echo(&conn) {
        Ok(bytes) => log(format!("{peer} left; echoed {bytes} bytes")),
        Err(e) => log(format!("{peer} failed: {e}; dropped it")),
    }
    // `conn` is dropped here, which closes its fd: nothing leaks, whatever
    // the client did.
    Ok(())
}

/// Echoes one client until it closes its side; returns how many bytes went
/// back.
pub fn echo(conn: &Socket) -> io::Result<u64> {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        // Blocks until the client sends something or hangs up. This is where
        // the server spends its life, and why the next client waits.
        let n = conn.read(&mut buf)?;
        if n == 0 {
            // End of file: the client closed its sending half.
            return Ok(total);
        }
        write_all(conn, &buf[..n])?;
        total += n as u64;
    }
}

/// Writes all of `data`. `write` may take only part of it (the kernel's send
/// buffer is full), so we go round until it is all gone. On a blocking
/// socket each `write` waits for room; chapter 03 has to handle this itself.
pub fn write_all(conn: &Socket, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        let n = conn.write(data)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "the kernel accepted 0 bytes of a non-empty write",
            ));
        }
        data = &data[n..];
    }
    Ok(())
}

/// `accept`, retrying the failures that are about one client or a passing
/// shortage rather than about the listener.
///
/// * `ECONNABORTED`: the client gave up while queued. Take the next one.
/// * `EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`: no fd or memory left right now.
///   The client stays queued; we wait a little and try again instead of
///   spinning. (Real servers do the same, or keep a spare fd to accept and
///   close the client with, so that it hears "no" instead of waiting.)
pub fn accept(listener: &Socket, log: &dyn Fn(String)) -> io::Result<(Socket, SocketAddr)> {
    loop {
        match listener.accept() {
            Ok(accepted) => return Ok(accepted),
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            Err(e) if is_out_of_resources(&e) => {
                log(format!("accept failed: {e}; retrying in 100 ms"));
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
}

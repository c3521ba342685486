//! The thread-per-client echo server (chapter 02).
//!
//! Chapter 01's server with one change: instead of echoing the client it
//! just accepted, the accepting thread hands it to a new thread and goes
//! straight back to `accept`. Every client now has a thread blocked in its
//! own `read`, so nobody waits for anybody. The kernel's scheduler does the
//! juggling, and each thread costs a stack, a kernel task and a place in the
//! scheduler's queue: chapter 02's demo measures how much.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::thread;

use anyhow::Context;
use ghetto_loop::sys::Socket;

// Chapter 01's echo loop and accept, unchanged: what changes here is only
// who runs the echo loop (a thread per client, so a client blocked in
// `read` holds up its own thread and nobody else).
pub use ch01_blocking::server::{accept, echo, write_all};

/// How many finished handshakes the kernel queues while we are busy.
pub const BACKLOG: i32 = 128;

/// The stack each client's thread reserves: 2 MiB, which is also what
/// `std::thread` picks when not told (unless `RUST_MIN_STACK` says
/// otherwise). We set it explicitly so that the demo can say what it is.
///
/// The kernel hands out the memory page by page as the stack grows, so an
/// idle thread *uses* a few KiB of it; the whole 2 MiB is address space set
/// aside, which the process must have room for.
pub const STACK_SIZE: usize = 2 << 20;

/// Where the server reports what happens to each client. Shared by every
/// client's thread, hence `Send + Sync`.
pub type Log = Arc<dyn Fn(String) + Send + Sync>;

/// Binds `addr`, prints `listening on ADDR`, and serves until killed.
///
/// What the server does (accepted, left, failed) goes to stderr, one line
/// per event.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let listener =
        Socket::listen(addr, BACKLOG).with_context(|| format!("cannot listen on {addr}"))?;
    course::cli::announce_listening(listener.local_addr()?);
    serve_forever(&listener, Arc::new(|line| eprintln!("{line}")))?;
    Ok(())
}

/// Accepts clients forever, each on a thread of its own. Returns only if
/// `accept` fails in a way that waiting will not fix.
pub fn serve_forever(listener: &Socket, log: Log) -> io::Result<()> {
    loop {
        serve_next(listener, &log)?;
    }
}

/// Accepts one client and starts a thread that echoes it; returns as soon as
/// the thread is started (or could not be).
///
/// The thread is detached: nobody joins it, it ends when its client leaves.
/// If no thread can be started (the process hit its thread or memory
/// limit), the client is told so by being closed, and the server goes on.
pub fn serve_next(listener: &Socket, log: &Log) -> io::Result<()> {
    let (conn, peer) = accept(listener, &**log)?;
    log(format!("accepted {peer} as fd {}", conn.as_raw_fd()));
    let thread_log = Arc::clone(log);
    let spawned = thread::Builder::new()
        .name(format!("client {peer}"))
        .stack_size(STACK_SIZE)
        .spawn(move || match echo(&conn) {
            Ok(bytes) => thread_log(format!("{peer} left; echoed {bytes} bytes")),
            Err(e) => thread_log(format!("{peer} failed: {e}; dropped it")),
        });
    if let Err(e) = spawned {
        // The closure, and the socket in it, were dropped: the client's fd
        // is closed and it reads end-of-file.
        log(format!("cannot start a thread for {peer}: {e}; closed it"));
    }
    Ok(())
}

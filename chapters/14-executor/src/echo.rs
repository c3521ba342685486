//! `serve`: an echo server with one task per client (chapter 14).
//!
//! The tasks are the subject here, not the I/O. Each client is a task
//! running a plain loop (read, write back, again), its state in its local
//! variables. Its waits use the crudest bridge that works with what the
//! course has so far: to wait until a socket is readable, add a chapter 11
//! reader whose callback removes itself and completes a chapter 13
//! `CallbackFuture`, and await that. Every wait costs two changes to the
//! selector's interest (register, deregister) and a future; chapter 15's
//! reactor keeps the fd registered and wakes the task directly.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::sys::Socket;
use ghetto_loop::task;

use crate::nap::nap;

/// How long the server stops accepting after `accept` failed (out of fds,
/// most likely), so that a listener that stays readable does not spin.
pub const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Binds `addr`, prints `listening on ADDR`, and serves until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let listener = Socket::listen(addr, 1024)?;
    course::cli::announce_listening(listener.local_addr()?);
    EventLoop::new()?.block_on(accept_loop(listener))??;
    Ok(())
}

/// Accepts clients forever, and spawns a task for each.
pub async fn accept_loop(listener: Socket) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = Rc::new(listener);
    loop {
        match listener.accept_nonblocking() {
            Ok((conn, _peer)) => {
                // A client that vanishes ends its own task, nothing else.
                task::spawn(async move {
                    let _ = echo(Rc::new(conn)).await;
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => readable(&listener).await?,
            Err(e) => {
                eprintln!("accept failed: {e}; pausing {ACCEPT_RETRY:?}");
                nap(ACCEPT_RETRY).await;
            }
        }
    }
}

/// Echoes everything `conn` sends until it closes.
pub async fn echo(conn: Rc<Socket>) -> io::Result<()> {
    let mut buf = [0; 4096];
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                readable(&conn).await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut sent = 0;
        while sent < n {
            match conn.write(&buf[sent..n]) {
                Ok(k) => sent += k,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => writable(&conn).await?,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Waits until `socket` is readable.
///
/// # Cancel safety
///
/// Dropped halfway, it leaves its reader registered until the socket is
/// readable once more (or the loop closes). This server never drops one.
pub async fn readable(socket: &Rc<Socket>) -> io::Result<()> {
    let lp = LoopHandle::current();
    let ready = lp.create_future::<()>();
    let (me, lp2, fill) = (socket.clone(), lp.clone(), ready.clone());
    lp.add_reader(&**socket, move || {
        // One wake-up is all this wait wants.
        let _ = lp2.remove_reader(&*me);
        let _ = fill.set_result(());
    })?;
    // Only the reader completes it, with `Ok`.
    let _ = ready.await;
    Ok(())
}

/// Waits until `socket` is writable; the twin of [`readable`].
pub async fn writable(socket: &Rc<Socket>) -> io::Result<()> {
    let lp = LoopHandle::current();
    let ready = lp.create_future::<()>();
    let (me, lp2, fill) = (socket.clone(), lp.clone(), ready.clone());
    lp.add_writer(&**socket, move || {
        let _ = lp2.remove_writer(&*me);
        let _ = fill.set_result(());
    })?;
    let _ = ready.await;
    Ok(())
}

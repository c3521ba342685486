//! The async/await echo server (chapter 15).
//!
//! Chapter 11 wrote this server as four callbacks and a struct that carried
//! the connection's state from one to the next. Here a connection is one
//! `async fn` with a loop in it: its state is its local variables, kept in
//! the future while it waits. The system calls are the same: `accept`,
//! `read`, `write`, and a wait in the selector only when one of them would
//! block.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::{EventLoop, LoopHandle, Report};
use ghetto_loop::future::CallbackFuture;
use ghetto_loop::net::{TcpListener, TcpStream};

/// How long the server stops accepting after `accept` failed (say, out of
/// fds), so that a listener that stays readable does not spin the loop.
pub const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The read buffer of each connection.
const BUF: usize = 16 * 1024;

/// Binds `addr`, announces it, and echoes every client until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    // One fd per client: many clients need more than the usual 1,024.
    ghetto_loop::sys::raise_fd_limit()?;
    let lp = EventLoop::new()?;
    let listener = TcpListener::bind_on(&lp, addr)?;
    course::cli::announce_listening(listener.local_addr()?);
    eprintln!("async echo server on the {} selector", lp.selector_name());
    lp.block_on(accept_loop(listener))??;
    Ok(())
}

/// Accepts clients forever, one task each.
pub async fn accept_loop(listener: TcpListener) -> io::Result<()> {
    // A client that resets or vanishes ends its own task only; nothing
    // else needs to know.
    accept_loop_with(listener, |_peer, _ended| {}).await
}

/// Accepts clients forever, one task each, and tells `on_end` how each
/// client's task ended: `Ok` at end-of-file, or the error that ended it
/// (a reset, a broken pipe). The demo and the tests listen here.
///
/// ```
/// use ch15_reactor::echo;
/// use ghetto_loop::net::{TcpListener, TcpStream};
/// use ghetto_loop::task;
///
/// ghetto_loop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
///     let addr = listener.local_addr()?;
///     task::spawn(echo::accept_loop_with(listener, |peer, ended| {
///         eprintln!("{peer}: {ended:?}");
///     }));
///     let client = TcpStream::connect(addr).await?;
///     client.write_all(b"ping").await?;
///     let mut reply = [0; 4];
///     client.read_exact(&mut reply).await?;
///     assert_eq!(&reply, b"ping");
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn accept_loop_with(
    listener: TcpListener,
    on_end: impl Fn(SocketAddr, io::Result<()>) + 'static,
) -> io::Result<()> {
    let lp = LoopHandle::current();
    // Shared by every client's task; an `Rc` because tasks never leave
    // the loop's thread.
    let on_end = Rc::new(on_end);
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let on_end = on_end.clone();
                lp.spawn(async move {
                    // The error stays in this task: no other client's
                    // task sees it, and the loop goes on.
                    on_end(peer, echo(stream).await);
                });
            }
            Err(e) => {
                // Out of fds, most likely. The client waits in the backlog;
                // accepting again at once would fail again at once.
                lp.report(Report::error(
                    format!(
                        "echo server: accept failed; not accepting for {} ms",
                        ACCEPT_RETRY.as_millis()
                    ),
                    &e,
                ));
                pause(&lp, ACCEPT_RETRY).await;
            }
        }
    }
}

/// Sends back every byte `stream` receives, until end-of-file.
pub async fn echo(stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0; BUF];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        stream.write_all(&buf[..n]).await?;
    }
}

/// Waits `delay` on `lp`'s timers: a `call_later` that completes a
/// chapter 13 future. (Chapter 16 brings the real `sleep`.)
async fn pause(lp: &LoopHandle, delay: Duration) {
    let done = CallbackFuture::new(lp);
    let setter = done.clone();
    lp.call_later(delay, move || {
        let _ = setter.set_result(());
    });
    let _ = done.await;
}

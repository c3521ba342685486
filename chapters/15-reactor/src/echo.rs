//! The async/await echo server (chapter 15).
//!
//! Chapter 11 wrote this server as four callbacks and a struct that carried
//! the connection's state from one to the next. Here a connection is one
//! `async fn` with a loop in it: its state is its local variables, kept in
//! the future while it waits. The system calls are the same: `accept`,
//! `read`, `write`, and a wait in the selector only when one of them would
//! block.

use std::cell::RefCell;
use std::future::Future;
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
    serve_each(listener, echo, on_end).await
}

/// Accepts clients forever, and runs `handle` on each in a task of its own.
async fn serve_each<F>(
    listener: TcpListener,
    handle: fn(TcpStream) -> F,
    on_end: impl Fn(SocketAddr, io::Result<()>) + 'static,
) -> io::Result<()>
where
    F: Future<Output = io::Result<()>> + 'static,
{
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
                    on_end(peer, handle(stream).await);
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

/// Binds `addr` and echoes every client the way the benchmark's tokio peer
/// does: [`echo_shared_buffer`] for each. `make bench` runs this one, so
/// the memory per idle connection compares the runtimes, not two ways of
/// holding a buffer.
pub fn serve_shared_buffer(addr: SocketAddr) -> anyhow::Result<()> {
    ghetto_loop::sys::raise_fd_limit()?;
    let lp = EventLoop::new()?;
    let listener = TcpListener::bind_on(&lp, addr)?;
    course::cli::announce_listening(listener.local_addr()?);
    lp.block_on(serve_each(listener, echo_shared_buffer, |_, _| {}))??;
    Ok(())
}

thread_local! {
    /// The one read buffer of [`echo_shared_buffer`], for every connection
    /// of this thread's loop. It is only used between two `.await`s, never
    /// across one, so no connection holds it while it waits.
    static SHARED: RefCell<Box<[u8]>> = RefCell::new(vec![0; BUF].into_boxed_slice());
}

/// [`echo`] without a buffer per connection: wait until the socket is
/// readable, then read into the shared buffer and write back at once; only
/// what the socket does not take is copied out, to wait for room. An idle
/// connection then costs its task and its socket, not 16 KiB.
pub async fn echo_shared_buffer(stream: TcpStream) -> io::Result<()> {
    loop {
        stream.readable().await?;
        let unsent = SHARED.with_borrow_mut(|buf| -> io::Result<Option<Vec<u8>>> {
            let n = match stream.try_read(buf) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) => return Err(e),
            };
            let written = match stream.try_write(&buf[..n]) {
                Ok(written) => written,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
                Err(e) => return Err(e),
            };
            Ok((written < n).then(|| buf[written..n].to_vec()))
        });
        match unsent {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
            Ok(Some(rest)) => stream.write_all(&rest).await?,
            Ok(None) => {}
        }
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

//! `serve`: an echo server that says goodbye to clients idle for too long
//! (chapter 16).
//!
//! Chapter 15's echo with one change: every wait on the client is bounded.
//! `timeout(idle, stream.read(..))` gives the bytes, or `Elapsed` after
//! `idle` without a byte; the server then writes a goodbye and closes.
//! Writing the echo back is bounded the same way, so a client that stops
//! reading is idle too, instead of parking its task forever.
//!
//! Why this is safe: `timeout` drops what it gave up on, and a `read`
//! dropped before it completed took no bytes (ghetto-loop's `read` is
//! cancel safe; see `time/mod.rs`). A `read_exact` there would lose the
//! bytes it had read so far. `write_all` is not cancel safe either (some
//! prefix may be sent), but after its timeout the connection is closed, so
//! nothing is left to get wrong.
//!
//! Each client costs one timer per wait, made and cancelled for every
//! read: the case the heap's lazy cancellation and compaction are for.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::{EventLoop, LoopHandle, Report};
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::time::{sleep, timeout};

/// How long `serve` lets a client be silent.
pub const IDLE: Duration = Duration::from_secs(10);

/// How long the server stops accepting after `accept` failed (out of fds,
/// most likely), so that a listener that stays readable does not spin.
pub const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The read buffer of each connection.
const BUF: usize = 16 * 1024;

/// How a client's connection ended.
#[derive(Debug)]
pub enum Ended {
    /// The client closed (end-of-file).
    Closed,
    /// The client sent nothing, or read nothing, for the whole idle time.
    Idle,
    /// The connection failed (a reset, a broken pipe).
    Failed(io::Error),
}

/// Binds `addr`, announces it, and serves until killed, closing clients
/// idle for [`IDLE`].
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    ghetto_loop::sys::raise_fd_limit()?;
    let lp = EventLoop::new()?;
    let listener = TcpListener::bind_on(&lp, addr)?;
    course::cli::announce_listening(listener.local_addr()?);
    eprintln!(
        "echo server on the {} selector; clients idle for {} s are closed",
        lp.selector_name(),
        IDLE.as_secs()
    );
    lp.block_on(accept_loop(listener, IDLE, |peer, ended| {
        eprintln!("{peer}: {ended:?}");
    }))??;
    Ok(())
}

/// Accepts clients forever, one task each, and tells `on_end` how each
/// connection ended.
///
/// ```
/// use ch16_timers::idle::{Ended, accept_loop};
/// use ghetto_loop::event_loop::EventLoop;
/// use ghetto_loop::net::{TcpListener, TcpStream};
/// use std::time::Duration;
///
/// let lp = EventLoop::new()?;
/// lp.pause_clock(); // 10 s of silence, without waiting 10 s
/// let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
/// let addr = listener.local_addr()?;
/// lp.spawn(accept_loop(listener, Duration::from_secs(10), |_, _| {}));
/// let goodbye = lp.block_on(async {
///     let client = TcpStream::connect(addr).await?;
///     let mut buf = [0; 64];
///     let n = client.read(&mut buf).await?; // silent: the server speaks
///     Ok::<_, std::io::Error>(String::from_utf8_lossy(&buf[..n]).into_owned())
/// })??;
/// assert_eq!(goodbye, "idle for 10 s: goodbye\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn accept_loop(
    listener: TcpListener,
    idle: Duration,
    on_end: impl Fn(SocketAddr, Ended) + 'static,
) -> io::Result<()> {
    let lp = LoopHandle::current();
    // Shared by every client's task; an `Rc`, as tasks stay on this thread.
    let on_end = Rc::new(on_end);
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let on_end = on_end.clone();
                lp.spawn(async move { on_end(peer, echo_until_idle(stream, idle).await) });
            }
            Err(e) => {
                lp.report(Report::error(
                    format!(
                        "idle echo server: accept failed; not accepting for {} ms",
                        ACCEPT_RETRY.as_millis()
                    ),
                    &e,
                ));
                sleep(ACCEPT_RETRY).await;
            }
        }
    }
}

/// Echoes `stream` until it closes, fails, or is idle for `idle`; then
/// says why and closes it (by dropping it).
pub async fn echo_until_idle(stream: TcpStream, idle: Duration) -> Ended {
    let mut buf = vec![0; BUF];
    loop {
        let n = match timeout(idle, stream.read(&mut buf)).await {
            Ok(Ok(0)) => return Ended::Closed,
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Ended::Failed(e),
            Err(_) => return goodbye(&stream, idle).await,
        };
        match timeout(idle, stream.write_all(&buf[..n])).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Ended::Failed(e),
            // It stopped reading: the goodbye could not get through either.
            Err(_) => return Ended::Idle,
        }
    }
}

/// Tells an idle client why it is being closed, if it still listens.
async fn goodbye(stream: &TcpStream, idle: Duration) -> Ended {
    let words = format!("idle for {} s: goodbye\n", idle.as_secs());
    // Best effort, and bounded: the client may not be reading at all.
    let _ = timeout(idle, stream.write_all(words.as_bytes())).await;
    Ended::Idle
}

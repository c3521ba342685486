//! The production peer: a tokio current-thread echo server.
//!
//! It runs on one thread like every ghetto-loop server, and it is written the
//! way the chapter servers are, so that the figures compare runtimes rather
//! than buffer choices:
//!
//! * one 16 KiB read buffer shared by every connection on the thread (the
//!   chapter servers read 16 KiB at a time into a buffer of the loop's), not
//!   one per connection;
//! * the echo is written at once, as far as the socket takes it; only what it
//!   did not take is kept, per connection, until the socket is writable.
//!
//! Tokio's tutorial echo keeps a buffer in every task instead, which costs
//! its size per idle connection; an idle connection here costs only what
//! tokio itself needs to track it.
//!
//! Every figure in the report is also given as a ratio against this server,
//! measured in the same run.

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Bytes read at a time, as the chapter servers read.
const READ_CHUNK: usize = 16 * 1024;

thread_local! {
    /// The read buffer every connection on this (only) thread shares. No
    /// connection holds it across an `.await`, so sharing it is safe.
    static BUFFER: RefCell<Box<[u8]>> = RefCell::new(vec![0; READ_CHUNK].into_boxed_slice());
}

/// Binds `addr`, announces it, and echoes every connection until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(accept_loop(addr))?;
    Ok(())
}

async fn accept_loop(addr: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    course::cli::announce_listening(listener.local_addr()?);
    serve_on(listener).await;
    Ok(())
}

/// Echoes every connection `listener` accepts, a task each, until the
/// runtime drops it: the server without its announcement, for a runtime
/// that has other work too (the timer figures sleep beside it).
pub async fn serve_on(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                tokio::spawn(async move {
                    if let Err(e) = echo(stream).await {
                        eprintln!("tokio echo: connection failed: {e}");
                    }
                });
            }
            Err(e) => {
                // Out of fds (EMFILE) or a connection reset before we took
                // it: say so and keep serving everyone else. The pause keeps
                // a persistent EMFILE from becoming a busy loop.
                eprintln!("tokio echo: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Echoes one connection until the peer closes it.
async fn echo(mut stream: TcpStream) -> io::Result<()> {
    loop {
        stream.readable().await?;
        // Read into the shared buffer and write back what the socket takes,
        // without an `.await` in between; keep only the rest.
        let step = BUFFER.with_borrow_mut(|buf| -> io::Result<Step> {
            let n = match stream.try_read(buf) {
                Ok(0) => return Ok(Step::Closed),
                Ok(n) => n,
                // Readiness was stale: wait again.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Step::Wait),
                Err(e) => return Err(e),
            };
            let written = match stream.try_write(&buf[..n]) {
                Ok(written) => written,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
                Err(e) => return Err(e),
            };
            Ok(if written == n {
                Step::Wait
            } else {
                Step::Unsent(buf[written..n].to_vec())
            })
        })?;
        match step {
            Step::Closed => return Ok(()),
            Step::Wait => {}
            // Stop reading until the rest is out: the peer that does not
            // read its echoes cannot make us buffer without bound.
            Step::Unsent(rest) => stream.write_all(&rest).await?,
        }
    }
}

/// What one read left to do.
enum Step {
    /// The peer closed its side.
    Closed,
    /// Everything read was echoed (or nothing was there): wait for more.
    Wait,
    /// These bytes were read but the socket did not take them yet.
    Unsent(Vec<u8>),
}

//! The app on tokio (chapter 21).
//!
//! Everything async is in `shell.rs`, compiled here with this runtime's
//! names; `on_ghetto.rs`, `on_tokio.rs` and `on_tokio_mt.rs` differ only in
//! those names (`cargo run -p ch21-capstone -- diff A B` prints the
//! difference).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc as Shared;

use ghetto_loop::sys::SelectorKind;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::runtime::Builder;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, LocalSet, spawn_local as spawn, yield_now};
use tokio::time::{sleep, timeout};

use crate::sharing::OneThread as Guarded;

// Loaded three times on purpose: once with each runtime's names.
#[allow(clippy::duplicate_mod)]
#[path = "shell.rs"]
mod shell;
pub use shell::{fetch, serve};

/// Runs `future` to its end on a new current-thread runtime (tokio's
/// reactor is epoll whatever `_selector` says); a `LocalSet` runs tasks
/// that are not `Send`.
fn block_on<F: Future>(_selector: SelectorKind, future: F) -> io::Result<F::Output> {
    let runtime = Builder::new_current_thread().enable_all().build()?;
    Ok(LocalSet::new().block_on(&runtime, future))
}

/// Listens on `addr`; with `reuse_port`, on a port other loops share.
pub(crate) async fn bind(addr: SocketAddr, reuse_port: bool) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    if reuse_port {
        socket.set_reuseport(true)?;
    }
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Turns off Nagle's algorithm: tokio's streams leave it on.
pub(crate) fn nodelay(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
}

/// Closes the sending half: the peer reads end-of-file.
pub(crate) async fn shutdown_write(stream: &mut TcpStream) -> io::Result<()> {
    AsyncWriteExt::shutdown(stream).await
}

/// Listens for `signal` from now on; the future ends when it comes.
pub(crate) fn listen_for(signal_number: i32) -> io::Result<impl Future<Output = io::Result<()>>> {
    let mut signals = signal(SignalKind::from_raw(signal_number))?;
    Ok(async move {
        signals
            .recv()
            .await
            .ok_or_else(|| io::Error::other("no more signals"))
    })
}

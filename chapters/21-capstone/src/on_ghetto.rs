//! The app on ghetto-loop (chapter 21).
//!
//! Everything async is in `shell.rs`, compiled here with this runtime's
//! names; `on_ghetto.rs`, `on_tokio.rs` and `on_tokio_mt.rs` differ only in
//! those names (`cargo run -p ch21-capstone -- diff A B` prints the
//! difference).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc as Shared;

use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::signal::{Signals, Via};
use ghetto_loop::sync::mpsc;
use ghetto_loop::sys::{SelectorKind, Shutdown};
use ghetto_loop::task::{JoinHandle, spawn, yield_now};
use ghetto_loop::time::{sleep, timeout};

use crate::sharing::OneThread as Guarded;

// Loaded three times on purpose: once with each runtime's names.
#[allow(clippy::duplicate_mod)]
#[path = "shell.rs"]
mod shell;
pub use shell::{fetch, serve};

/// Runs `future` to its end on a new event loop of `selector`.
fn block_on<F: Future>(selector: SelectorKind, future: F) -> io::Result<F::Output> {
    EventLoop::with_kind(selector)?.block_on(future)
}

/// Listens on `addr`; with `reuse_port`, on a port other loops share.
pub(crate) async fn bind(addr: SocketAddr, reuse_port: bool) -> io::Result<TcpListener> {
    if reuse_port {
        TcpListener::bind_reuse_port(addr).await
    } else {
        TcpListener::bind(addr).await
    }
}

/// Turns off Nagle's algorithm: ghetto-loop's streams do it themselves.
pub(crate) fn nodelay(_stream: &TcpStream) {}

/// Closes the sending half: the peer reads end-of-file.
pub(crate) async fn shutdown_write(stream: &mut TcpStream) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)
}

/// Listens for `signal` from now on; the future ends when it comes. (A
/// self-pipe: signalfd would need it blocked in every thread.)
pub(crate) fn listen_for(signal: i32) -> io::Result<impl Future<Output = io::Result<()>>> {
    let signals = Signals::on(&LoopHandle::current(), signal, Via::SelfPipe)?;
    Ok(async move { signals.recv().await.map(drop) })
}

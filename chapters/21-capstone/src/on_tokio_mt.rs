//! The app on tokio's multi-thread, work-stealing runtime (chapter 21).
//!
//! Everything async is in `shell.rs`, compiled here with this runtime's
//! names; `on_ghetto.rs`, `on_tokio.rs` and `on_tokio_mt.rs` differ only in
//! those names (`cargo run -p ch21-capstone -- diff tokio tokio-mt` prints
//! the difference). Against `on_tokio.rs` only three things change: the
//! runtime is built with `new_multi_thread`, tasks start with
//! `tokio::spawn` (which wants `Send` futures), and the tasks share state
//! through `Arc` and a mutex instead of `Rc` and a `RefCell`. Binding,
//! signals and the rest are tokio's, the same as on one thread.

use std::future::Future;
use std::io;
use std::sync::Arc as Shared;

use ghetto_loop::sys::SelectorKind;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Builder;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, spawn, yield_now};
use tokio::time::{sleep, timeout};

use crate::on_tokio::{bind, listen_for, nodelay, shutdown_write};
use crate::sharing::Locked as Guarded;

// Loaded three times on purpose: once with each runtime's names.
#[allow(clippy::duplicate_mod)]
#[path = "shell.rs"]
mod shell;
pub use shell::{fetch, serve};

/// Runs `future` to its end on a new multi-thread runtime, one worker
/// thread per core (tokio's default; `TOKIO_WORKER_THREADS` overrides it).
/// `future` itself runs on this thread, and every task it spawns on the
/// workers; tokio's reactor is epoll whatever `_selector` says.
fn block_on<F: Future>(_selector: SelectorKind, future: F) -> io::Result<F::Output> {
    let runtime = Builder::new_multi_thread().enable_all().build()?;
    Ok(runtime.block_on(future))
}

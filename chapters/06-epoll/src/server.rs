//! Chapter 04's one-thread echo server, on any selector backend (chapter 06).
//!
//! The same server once more, now with the backend picked at run time:
//! `--selector select|poll|epoll`, or `GHETTO_SELECTOR`, epoll by default.
//! The loop never learns which one it got; that is the point of the
//! `Selector` contract, and how every later chapter runs on all three. On
//! `select` it still turns away a client whose fd is 1,024 or more, with a
//! line saying why; on `poll` and `epoll` nobody is turned away.
//!
//! The server reads one chunk per readiness event and relies on being told
//! again while data is left: level-triggered readiness, which all three
//! backends give by default. Under edge-triggered epoll it would stall;
//! exercise 06-1 makes it drain instead.

use std::net::SocketAddr;

use anyhow::Context;
use ghetto_loop::sys::{Selector, SelectorKind};

pub use ch04_select::server::{
    BACKLOG, LISTENER, MAX_PENDING, Stopper, listen, serve_listener, serve_on,
};

/// Chapter 04's echo server, on whichever backend it is handed.
pub type EchoServer<S = Box<dyn Selector>> = ch04_select::server::EchoServer<S>;

/// [`serve_with`] the backend `GHETTO_SELECTOR` names (epoll if unset).
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    serve_with(SelectorKind::from_env()?, addr)
}

/// Binds `addr`, prints `listening on ADDR`, and serves on a `kind`
/// selector until killed. What happens to each client goes to stderr.
pub fn serve_with(kind: SelectorKind, addr: SocketAddr) -> anyhow::Result<()> {
    let listener = listen(addr)?;
    eprintln!("serving with {kind}");
    let selector = kind
        .open()
        .with_context(|| format!("cannot open a {kind} selector"))?;
    serve_listener(selector, listener)
}

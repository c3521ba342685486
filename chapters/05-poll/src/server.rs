//! Chapter 04's one-thread echo server, on `poll(2)` (chapter 05).
//!
//! There is no second server here. Everything chapter 04's loop does is
//! written against the `Selector` contract, so `Select` and `Poll` are
//! interchangeable: this chapter hands it a `Poll`, the refusal goes (a
//! client whose fd is 1,024 or more now just works, because `poll` never
//! refuses one), and its trace pictures a `pollfd` array
//! ([`POLLFDS`](crate::trace::POLLFDS)) instead of `fd_set`s. The loop is
//! chapter 04's, unchanged:
//!
//! ```text
//! loop {
//!     wait for readiness            (selector.wait)
//!     for each ready fd:
//!         listener -> accept everyone waiting, watch them for reading
//!         client   -> read what came, write back what fits, keep the rest
//!     watch each client for what it needs next (read, write, both)
//! }
//! ```

use std::net::SocketAddr;

use ghetto_loop::sys::Poll;

pub use ch04_select::server::{BACKLOG, LISTENER, MAX_PENDING, Stopper, serve_on};

/// Chapter 04's echo server, on `poll` unless told otherwise.
pub type EchoServer<S = Poll> = ch04_select::server::EchoServer<S>;

/// Binds `addr`, prints `listening on ADDR`, and serves on `poll` until
/// killed. What happens to each client goes to stderr.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    serve_on(Poll::new()?, addr)
}

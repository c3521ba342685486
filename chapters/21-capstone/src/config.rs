//! How the app is set up (chapter 21).

use std::net::SocketAddr;
use std::time::Duration;

use ghetto_loop::sys::SelectorKind;

use crate::app::chat::ChatConfig;
use crate::app::request::MAX_HEAD;

/// Everything the app's servers need to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the chat listens; `None`: no chat (the other cores of
    /// `--per-core` serve HTTP only).
    pub chat: Option<SocketAddr>,
    /// Where the HTTP server listens.
    pub http: SocketAddr,
    /// Bind HTTP with `SO_REUSEPORT`, to share the port with other loops.
    pub reuse_port: bool,
    /// The chat room's limits.
    pub room: ChatConfig,
    /// The longest request head, in bytes.
    pub max_head: usize,
    /// How long a request's head may take to arrive, from its first byte.
    pub header_timeout: Duration,
    /// How long a kept-alive connection may sit idle between requests.
    pub idle_timeout: Duration,
    /// How long shutdown waits for goodbyes to be sent and answers to be
    /// finished before it closes what is left.
    pub grace: Duration,
    /// Stop on SIGINT and SIGTERM too (only one server per process should).
    pub signals: bool,
    /// The selector ghetto-loop runs on (tokio always uses epoll).
    pub selector: SelectorKind,
}

impl Config {
    /// Chat on `chat`, HTTP on `http`, every limit at its default.
    pub fn new(chat: SocketAddr, http: SocketAddr) -> Config {
        Config {
            chat: Some(chat),
            http,
            reuse_port: false,
            room: ChatConfig::default(),
            max_head: MAX_HEAD,
            header_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
            grace: Duration::from_secs(5),
            signals: false,
            selector: SelectorKind::Epoll,
        }
    }

    /// Both servers on ephemeral ports of 127.0.0.1 (tests, the demo).
    pub fn local() -> Config {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Config::new(any, any)
    }
}

/// Where a running app listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addrs {
    /// The chat, if this server runs one.
    pub chat: Option<SocketAddr>,
    /// The HTTP server.
    pub http: SocketAddr,
}

/// How a graceful shutdown went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Chat members told goodbye.
    pub told_goodbye: usize,
    /// HTTP connections in the middle of a request, let finish.
    pub http_finished: usize,
    /// Idle HTTP connections closed at once.
    pub http_idle_closed: usize,
    /// Everything ended within the grace period (false: what was left
    /// was closed when it ran out).
    pub clean: bool,
}

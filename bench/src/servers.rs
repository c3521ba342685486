//! The registry of servers under test: one line per server.
//!
//! Each entry names a `serve(addr)` function from a chapter's library (or the
//! tokio peer). The harness runs every server the same way: it starts this
//! binary again as `bench serve NAME 127.0.0.1:0`, which pins itself, raises
//! its fd limit and calls the function; the function prints `listening on
//! ADDR` and serves until killed. One process per server means the RSS and
//! thread count the report shows are that server's alone.
//!
//! A chapter joins the benchmark by adding its crate to `Cargo.toml` and one
//! [`Server`] here. A chapter that does not exist yet has no entry: nothing
//! stands in for it. Chapters 03, 07 and 09 have echo servers that are left
//! out on purpose: they poll by design (busily, by trying each green thread
//! in turn, on a 10 ms timer), so their figures would measure the polling,
//! which their own demos already show.

use std::net::SocketAddr;

/// One server the benchmark can start.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    /// The name used on the command line and in the report (`ch06-epoll`).
    pub name: &'static str,
    /// What it is, in a few words, for the report.
    pub what: &'static str,
    /// Binds `addr`, prints `listening on ADDR`, serves until killed.
    pub serve: fn(SocketAddr) -> anyhow::Result<()>,
    /// The most connections it can hold, if it has a hard limit; cells above
    /// it are shown as "n/a" with this reason instead of being run.
    pub limit: Option<Limit>,
    /// How it uses threads: the syscall count is for the one-thread servers.
    pub threads: Threads,
}

/// How a server spreads its connections over threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// Every connection on one thread, waiting in one selector (or tokio's).
    One,
    /// A thread per connection, blocked in its own `read`.
    PerConnection,
    /// A thread per core, each with its own loop or stealing work from
    /// the others (the capstone's HTTP servers beyond one loop).
    PerCore,
}

/// A hard limit on concurrent connections, and why.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// The most connections a cell may ask for.
    pub connections: usize,
    /// Why, in a few words.
    pub why: &'static str,
}

/// The name of the tokio peer, the baseline of every ratio.
pub const TOKIO: &str = "tokio";

/// Every server, in chapter order, the tokio peer first.
pub const SERVERS: &[Server] = &[
    Server {
        name: TOKIO,
        what: "tokio current-thread runtime, one shared 16 KiB read buffer",
        serve: crate::tokio_echo::serve,
        limit: None,
        threads: Threads::One,
    },
    Server {
        name: "ch02-threads",
        what: "a thread per connection, blocking reads (2 MiB stacks)",
        serve: ch02_threads::server::serve,
        limit: None,
        threads: Threads::PerConnection,
    },
    Server {
        name: "ch04-select",
        what: "one thread, select(2), fd_set rebuilt every turn",
        serve: ch04_select::server::serve,
        // FD_SETSIZE is 1,024, and the server's own fds (stdio, the
        // listener, the selector's doorbell) take the lowest numbers.
        limit: Some(Limit {
            connections: 1_000,
            why: "select() watches fds below 1,024 only",
        }),
        threads: Threads::One,
    },
    Server {
        name: "ch05-poll",
        what: "one thread, poll(2), the pollfd array kept between waits",
        serve: ch05_poll::server::serve,
        limit: None,
        threads: Threads::One,
    },
    Server {
        name: "ch06-epoll",
        what: "one thread, epoll(7), level-triggered",
        serve: ch06_epoll,
        limit: None,
        threads: Threads::One,
    },
    Server {
        name: "ch10-generator-loop",
        what: "hand-written generators resumed by a loop on epoll",
        serve: ch10_generator_loop::server::serve,
        limit: None,
        threads: Threads::One,
    },
    Server {
        name: "ch11-event-loop",
        what: "ghetto-loop's callback event loop, add_reader/add_writer by hand",
        serve: ch11_event_loop::echo::serve,
        limit: None,
        threads: Threads::One,
    },
    Server {
        name: "ch12-protocols",
        what: "an echo Protocol on ghetto-loop's transports",
        serve: ch12_protocols::echo::serve_echo,
        limit: None,
        threads: Threads::One,
    },
    Server {
        name: "ch15-reactor",
        what: "async/await tasks on ghetto-loop's reactor, readable() + try_read into one shared 16 KiB buffer",
        serve: ch15_reactor::echo::serve_shared_buffer,
        limit: None,
        threads: Threads::One,
    },
];

/// Chapter 06's server on epoll whatever `GHETTO_SELECTOR` says: the
/// chapter's server can run on every backend, and the others have their own
/// rows.
fn ch06_epoll(addr: SocketAddr) -> anyhow::Result<()> {
    ch06_epoll::server::serve_with(ghetto_loop::sys::SelectorKind::Epoll, addr)
}

/// The server called `name`.
pub fn find(name: &str) -> Option<&'static Server> {
    SERVERS.iter().find(|s| s.name == name)
}

impl Server {
    /// Whether a cell of `connections` is within this server's limit.
    pub fn allows(&self, connections: usize) -> bool {
        self.limit.is_none_or(|l| connections <= l.connections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_tokio_is_there() {
        for (i, a) in SERVERS.iter().enumerate() {
            assert!(
                SERVERS[i + 1..].iter().all(|b| b.name != a.name),
                "{} twice",
                a.name
            );
        }
        assert!(find(TOKIO).is_some());
        assert!(find("nope").is_none());
    }
}

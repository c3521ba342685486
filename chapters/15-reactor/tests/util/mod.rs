//! Helpers for the chapter's tests: the async echo server on a loop in a
//! thread of its own, blocking clients, the fd count, and a macro that runs
//! one test on every selector.
#![allow(dead_code)] // each test binary uses its own subset

use std::io;
use std::net::SocketAddr;
use std::sync::mpsc::{self, Receiver};
use std::thread;

use ch15_reactor::echo;
use ghetto_loop::event_loop::{EventLoop, LoopHandle, Remote};
use ghetto_loop::net::TcpListener;
use ghetto_loop::sys::SelectorKind;

#[allow(unused_imports)] // the echo tests count fds; the others do not
pub use course::testing::open_fds;

pub use course::testing::PATIENCE;

/// How a client's task ended, as the server told it.
pub type Ended = (SocketAddr, Result<(), io::ErrorKind>);

/// The async echo server, running on a loop in a thread of its own.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// How each client's task ended, in the order they ended.
    pub ended: Receiver<Ended>,
    remote: Remote,
    thread: thread::JoinHandle<io::Result<()>>,
}

impl Server {
    /// Starts the server on a loop of `kind`.
    pub fn start(kind: SelectorKind) -> Server {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (ended_tx, ended) = mpsc::channel();
        let thread = thread::spawn(move || -> io::Result<()> {
            let lp = EventLoop::with_kind(kind)?;
            let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
            let addr = listener.local_addr()?;
            lp.spawn(echo::accept_loop_with(listener, move |peer, how| {
                let _ = ended_tx.send((peer, how.map_err(|e| e.kind())));
            }));
            ready_tx
                .send((addr, lp.remote()))
                .expect("the test is waiting");
            lp.run_forever()
        });
        let (addr, remote) = ready_rx.recv_timeout(PATIENCE).expect("the server started");
        Server {
            addr,
            ended,
            remote,
            thread,
        }
    }

    /// Waits until the task of the client at `peer` ends; returns how.
    pub fn wait_for_end(&self, peer: SocketAddr) -> Result<(), io::ErrorKind> {
        loop {
            let (who, how) = self
                .ended
                .recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("the task for {peer} did not end"));
            if who == peer {
                return how;
            }
        }
    }

    /// Stops the loop and waits for its thread; dropping the loop closes
    /// every socket it still holds.
    pub fn stop(self) -> io::Result<()> {
        self.remote
            .call_soon_threadsafe(|| LoopHandle::current().stop())?;
        drop(self.remote);
        self.thread
            .join()
            .expect("the server thread does not panic")
    }
}

/// Runs a test as the only one in its process, so that its fd count is its
/// own (the course kit's helper).
#[allow(unused_imports)] // the echo tests count fds; the others do not
pub use course::testing::alone;

/// Turns one test into a test per selector:
///
/// ```text
/// on_every_selector! {
///     /// What it shows.
///     fn name(kind) { ...; Ok(()) }
/// }
/// ```
///
/// becomes `name::select`, `name::poll` and `name::epoll`.
macro_rules! on_every_selector {
    ($( $(#[doc = $doc:literal])* fn $name:ident($kind:ident) $body:block )*) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn test($kind: ghetto_loop::sys::SelectorKind) -> anyhow::Result<()> $body

            #[test]
            fn select() -> anyhow::Result<()> {
                test(ghetto_loop::sys::SelectorKind::Select)
            }

            #[test]
            fn poll() -> anyhow::Result<()> {
                test(ghetto_loop::sys::SelectorKind::Poll)
            }

            #[test]
            fn epoll() -> anyhow::Result<()> {
                test(ghetto_loop::sys::SelectorKind::Epoll)
            }
        }
    )*};
}
pub(crate) use on_every_selector;

//! The echo server: a task that accepts, and a task per client, composed
//! from the `accept`, `recv` and `sendall` generators (chapter 10).
//!
//! ```python
//! def server(listener):                  def echo(conn):
//!     while True:                            while True:
//!         conn = yield from accept(listener)     data = yield from recv(conn, 16384)
//!         spawn(echo(conn))                      if not data:
//!                                                    return
//!                                                yield from sendall(conn, data)
//! ```
//!
//! Written by hand, each `yield from` is a state of the enum that holds the
//! helper generator, and `yield_from!` does the forwarding.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use ch08_generators::{Generator, GeneratorState, yield_from};
use course::Timeline;
use course::testing::PATIENCE;
use ghetto_loop::sys::{self, Interest, SelectorKind, Socket};

use crate::event_loop::{Loop, Stats, Stopper};
use crate::io::{Accept, Recv, SendAll, accept, recv, sendall};
use crate::task::{Call, Task};

/// The most one `recv` reads.
pub const RECV_SIZE: usize = 16 * 1024;

/// Binds `addr`, prints `listening on ADDR`, and serves until killed, on the
/// selector `GHETTO_SELECTOR` names (epoll by default).
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    serve_with(SelectorKind::from_env()?, addr)
}

/// [`serve`] on the selector `kind`, whatever `GHETTO_SELECTOR` says.
pub fn serve_with(kind: SelectorKind, addr: SocketAddr) -> anyhow::Result<()> {
    // A server of many clients needs many fds: lift the soft limit to the
    // hard one (often 1,024 -> 524,288) before anything else.
    sys::raise_fd_limit()?;
    let selector = kind.open()?;
    let listener = Socket::listen(addr, 1024)?;
    course::cli::announce_listening(listener.local_addr()?);
    let mut event_loop = Loop::new(selector);
    event_loop.spawn("server", server(listener, None)?);
    event_loop.run()?;
    Ok(())
}

/// The echo server on a thread of its own, for the demo and the tests.
#[derive(Debug)]
pub struct Background {
    /// Where it listens (a free port on 127.0.0.1).
    pub addr: SocketAddr,
    /// The selector it runs on.
    pub selector: &'static str,
    /// Ends the loop's `run` from this side.
    stopper: Stopper,
    /// The thread that runs the loop; it returns the loop's counters.
    thread: JoinHandle<io::Result<Stats>>,
}

impl Background {
    /// Starts the server on `127.0.0.1:0` on a new thread, with the selector
    /// `GHETTO_SELECTOR` names; logs to `timeline` if given.
    pub fn start(timeline: Option<Timeline>) -> io::Result<Background> {
        Background::start_with(SelectorKind::from_env()?, timeline)
    }

    /// [`Background::start`] on the selector `kind`.
    pub fn start_with(kind: SelectorKind, timeline: Option<Timeline>) -> io::Result<Background> {
        let (tx, rx) = mpsc::channel();
        let thread = thread::Builder::new().name("generator-loop".into()).spawn(
            move || -> io::Result<Stats> {
                // The loop holds `Rc`s, so it is made on the thread that runs it.
                let listener = Socket::listen("127.0.0.1:0".parse().expect("an address"), 1024)?;
                let addr = listener.local_addr()?;
                let mut event_loop = Loop::new(kind.open()?);
                if let Some(timeline) = &timeline {
                    event_loop = event_loop.with_timeline(timeline.clone());
                }
                event_loop.spawn("server", server(listener, timeline)?);
                let _ = tx.send((addr, event_loop.selector_name(), event_loop.stopper()));
                event_loop.run()?;
                Ok(event_loop.stats())
            },
        )?;
        match rx.recv_timeout(PATIENCE) {
            Ok((addr, selector, stopper)) => Ok(Background {
                addr,
                selector,
                stopper,
                thread,
            }),
            // The thread ended before it was ready: its error says why.
            Err(_) => Err(match thread.join() {
                Ok(Err(e)) => e,
                _ => io::Error::other("the server thread did not start"),
            }),
        }
    }

    /// Stops the loop and returns what it did.
    pub fn stop(self) -> io::Result<Stats> {
        self.stopper.stop()?;
        self.thread
            .join()
            .map_err(|_| io::Error::other("the server thread panicked"))?
    }
}

/// The accepting task for `listener` (made non-blocking here). With a
/// timeline, it logs each client it accepts.
pub fn server(listener: Socket, timeline: Option<Timeline>) -> io::Result<Task> {
    listener.set_nonblocking(true)?;
    let listener = Rc::new(listener);
    Ok(Box::new(Server {
        accept: accept(&listener),
        listener,
        timeline,
        failures: 0,
    }))
}

/// The task for one client, `conn` (made non-blocking here).
pub fn echo(conn: Socket, peer: SocketAddr) -> io::Result<Task> {
    conn.set_nonblocking(true)?;
    let conn = Rc::new(conn);
    Ok(Box::new(Echo {
        state: EchoState::Receiving(recv(&conn, RECV_SIZE)),
        conn,
        peer,
    }))
}

/// `server(listener)`: accepts forever, spawning an [`Echo`] per client.
struct Server {
    /// Non-blocking, shared with `accept`.
    listener: Rc<Socket>,
    /// The `yield from accept(listener)` in progress.
    accept: Accept,
    /// Where to log accepted clients, if anywhere.
    timeline: Option<Timeline>,
    /// Failed accepts in a row, so a streak is reported once, not a
    /// thousand times.
    failures: u64,
}

impl Generator for Server {
    type Yield = Call;
    type Return = io::Result<()>;

    fn resume(&mut self, (): ()) -> GeneratorState<Call, io::Result<()>> {
        loop {
            let accepted = yield_from!(self.accept, ());
            self.accept = accept(&self.listener);
            match accepted {
                Ok((conn, peer)) => {
                    if self.failures > 0 {
                        eprintln!("accept works again after {} failures", self.failures);
                        self.failures = 0;
                    }
                    if let Some(timeline) = &self.timeline {
                        timeline.log("server", format!("accepted {peer}"));
                    }
                    match echo(conn, peer) {
                        Ok(task) => {
                            return GeneratorState::Yielded(Call::Spawn {
                                name: format!("client {peer}"),
                                task,
                            });
                        }
                        Err(e) => eprintln!("client {peer}: {e}"),
                    }
                }
                Err(e) => {
                    self.failures += 1;
                    if self.failures == 1 {
                        eprintln!(
                            "accept failed: {e}; retrying each time the listener is ready{}",
                            if sys::is_out_of_resources(&e) {
                                " (with no timer to back off, that means spinning until \
                                 a client leaves and frees an fd: chapter 11 adds timers)"
                            } else {
                                ""
                            }
                        );
                    }
                    // Wait for the listener before trying again: going round
                    // this loop without yielding would starve every client.
                    return GeneratorState::Yielded(Call::Wait(
                        self.listener.clone(),
                        Interest::READABLE,
                    ));
                }
            }
        }
    }
}

/// `echo(conn)`: receive, send it all back, until end-of-file.
struct Echo {
    /// Non-blocking, shared with the helpers.
    conn: Rc<Socket>,
    /// For error messages.
    peer: SocketAddr,
    /// Where it is paused.
    state: EchoState,
}

/// Where an [`Echo`] is paused: inside one of its two `yield from`s.
enum EchoState {
    /// `data = yield from recv(conn, 16384)`.
    Receiving(Recv),
    /// `yield from sendall(conn, data)`.
    Sending(SendAll),
    /// Completed.
    Done,
}

impl Generator for Echo {
    type Yield = Call;
    type Return = io::Result<()>;

    fn resume(&mut self, (): ()) -> GeneratorState<Call, io::Result<()>> {
        loop {
            match &mut self.state {
                EchoState::Receiving(receiving) => match yield_from!(*receiving, ()) {
                    Ok(data) if data.is_empty() => return self.finish(Ok(())),
                    Ok(data) => self.state = EchoState::Sending(sendall(&self.conn, data)),
                    Err(e) => return self.finish(Err(e)),
                },
                EchoState::Sending(sending) => match yield_from!(*sending, ()) {
                    Ok(()) => self.state = EchoState::Receiving(recv(&self.conn, RECV_SIZE)),
                    Err(e) => return self.finish(Err(e)),
                },
                EchoState::Done => panic!("echo resumed after it completed"),
            }
        }
    }
}

impl Echo {
    /// Completes, naming the peer in an error.
    fn finish(&mut self, result: io::Result<()>) -> GeneratorState<Call, io::Result<()>> {
        self.state = EchoState::Done;
        GeneratorState::Complete(
            result.map_err(|e| io::Error::new(e.kind(), format!("{e} (peer {})", self.peer))),
        )
    }
}

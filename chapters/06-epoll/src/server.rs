//! A one-thread echo server on any selector backend (chapter 06).
//!
//! Chapter 04's server once more, now with the backend picked at run time:
//! `--selector select|poll|epoll`, or `GHETTO_SELECTOR`, epoll by default.
//! The loop never learns which one it got; that is the point of the
//! `Selector` contract, and how every later chapter runs on all three:
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
//!
//! Sockets are non-blocking: readiness is a hint, and a read or write that
//! would block returns `WouldBlock` instead of stalling everyone.
//!
//! The server reads one chunk per readiness event and relies on being told
//! again while data is left: level-triggered readiness, which all three
//! backends give by default. Under edge-triggered epoll it would stall;
//! exercise 06-1 makes it drain instead.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use ghetto_loop::sys::{
    Doorbell, Event, Interest, Selector, SelectorKind, Socket, Token, is_out_of_resources,
    raise_fd_limit,
};

/// The listener's token. Clients get 1, 2, 3...
pub const LISTENER: Token = Token(0);

/// How many finished handshakes the kernel queues while we are busy.
pub const BACKLOG: i32 = 1024;

/// The most bytes read from one client per readiness event: a client that
/// sends a lot cannot keep the loop to itself.
const READ_CHUNK: usize = 16 * 1024;

/// The most echo bytes held for a client that does not read them. Past it we
/// stop reading from that client until it catches up, so a client that only
/// sends cannot make the server's memory grow without bound (backpressure).
pub const MAX_PENDING: usize = 256 * 1024;

/// How long accepting pauses when the process is out of fds.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// [`serve_with`] the backend `GHETTO_SELECTOR` names (epoll if unset).
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    serve_with(SelectorKind::from_env()?, addr)
}

/// Binds `addr`, prints `listening on ADDR`, and serves on a `kind`
/// selector until killed. What happens to each client goes to stderr.
pub fn serve_with(kind: SelectorKind, addr: SocketAddr) -> anyhow::Result<()> {
    // Only select has an fd limit of its own; the process's open files limit
    // (often 1,024) is the next wall, so raise it as far as we may.
    raise_fd_limit().context("cannot raise the open files limit")?;
    let listener =
        Socket::listen(addr, BACKLOG).with_context(|| format!("cannot listen on {addr}"))?;
    course::cli::announce_listening(listener.local_addr()?);
    eprintln!("serving with {kind}");
    let selector = kind
        .open()
        .with_context(|| format!("cannot open a {kind} selector"))?;
    let mut server = EchoServer::new(selector, listener)?;
    server.set_log(|line| eprintln!("{line}"));
    loop {
        server.turn(None)?;
    }
}

/// The echo server: a selector, a listener and the clients, driven one
/// [`turn`](EchoServer::turn) at a time.
pub struct EchoServer<S: Selector = Box<dyn Selector>> {
    /// Tells us which fds are ready.
    selector: S,
    /// Non-blocking, registered under [`LISTENER`] unless accepting is paused.
    listener: Socket,
    /// Every connected client, by the token its events carry.
    clients: HashMap<Token, Client>,
    /// The token the next client gets.
    next_token: usize,
    /// Reused by every wait, so a turn allocates nothing for events.
    events: Vec<Event>,
    /// Where the server says what happened (stderr, or a demo's timeline).
    log: Box<dyn Fn(String) + Send>,
    /// Turns so far.
    turns: u64,
    /// Set while accepting is paused for lack of fds; the listener is
    /// deregistered until then.
    accept_paused_until: Option<Instant>,
}

/// One connected client.
#[derive(Debug)]
struct Client {
    /// Non-blocking; registered with the selector until it is closed.
    socket: Socket,
    /// Who it is, for the log.
    peer: SocketAddr,
    /// Received but not yet echoed: what the send buffer had no room for.
    pending: Vec<u8>,
    /// The client has finished sending (`read` returned 0). We echo what is
    /// pending, then close.
    eof: bool,
    /// What the selector is watching for now.
    interest: Interest,
    /// Bytes echoed so far.
    echoed: u64,
}

/// A handle another thread uses to stop a server's [`run_until_stopped`]
/// (`EchoServer::run_until_stopped`): it sets a flag and wakes the selector,
/// so a server asleep in its selector notices at once.
#[derive(Debug, Clone)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    doorbell: Doorbell,
}

impl Stop {
    /// Asks the server to stop after its current turn.
    pub fn stop(&self) -> io::Result<()> {
        self.flag.store(true, Ordering::SeqCst);
        self.doorbell.ring()
    }

    /// Whether [`Stop::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

impl<S: Selector> EchoServer<S> {
    /// A server that accepts from `listener` (made non-blocking here) and
    /// waits with `selector`.
    pub fn new(mut selector: S, listener: Socket) -> io::Result<EchoServer<S>> {
        listener.set_nonblocking(true)?;
        selector.register(listener.as_fd(), LISTENER, Interest::READABLE)?;
        Ok(EchoServer {
            selector,
            listener,
            clients: HashMap::new(),
            next_token: 1,
            events: Vec::new(),
            log: Box::new(|_| {}),
            turns: 0,
            accept_paused_until: None,
        })
    }

    /// Where to say what happens: accepted, refused, left, failed.
    pub fn set_log(&mut self, log: impl Fn(String) + Send + 'static) {
        self.log = Box::new(log);
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// How many clients are connected.
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// The fd numbers of the connected clients, in no particular order.
    pub fn client_fds(&self) -> Vec<RawFd> {
        self.clients
            .values()
            .map(|c| c.socket.as_raw_fd())
            .collect()
    }

    /// A handle another thread can use to end the current wait early.
    pub fn doorbell(&self) -> Doorbell {
        self.selector.doorbell()
    }

    /// A handle to stop [`EchoServer::run_until_stopped`] from another thread.
    pub fn stop_handle(&self) -> Stop {
        Stop {
            flag: Arc::new(AtomicBool::new(false)),
            doorbell: self.selector.doorbell(),
        }
    }

    /// Runs turns until `stop` is stopped, each waiting at most `timeout`.
    pub fn run_until_stopped(&mut self, stop: &Stop, timeout: Option<Duration>) -> io::Result<()> {
        while !stop.is_stopped() {
            self.turn(timeout)?;
        }
        Ok(())
    }

    /// One turn of the loop: wait up to `timeout` for readiness, then serve
    /// every ready fd. Errors only if the listener itself is broken; a
    /// client's failure is logged and ends that client alone.
    pub fn turn(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.turns += 1;
        // While accepting is paused, wake up in time to resume it.
        let timeout = match self.accept_paused_until {
            Some(until) => {
                let left = until.saturating_duration_since(Instant::now());
                Some(timeout.map_or(left, |t| t.min(left)))
            }
            None => timeout,
        };
        self.selector.wait(&mut self.events, timeout)?;

        let events = std::mem::take(&mut self.events);
        for event in &events {
            if event.token == LISTENER {
                self.accept_all()?;
            } else {
                self.serve_client(*event);
            }
        }
        self.events = events;

        if self
            .accept_paused_until
            .is_some_and(|until| Instant::now() >= until)
        {
            self.accept_paused_until = None;
            self.selector
                .register(self.listener.as_fd(), LISTENER, Interest::READABLE)?;
        }
        Ok(())
    }

    /// Accepts every connection waiting in the queue.
    fn accept_all(&mut self) -> io::Result<()> {
        loop {
            match self.listener.accept() {
                Ok((socket, peer)) => self.admit(socket, peer),
                // The queue is empty: back to waiting.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                // The client gave up while queued: take the next one.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                // Out of fds or memory. The listener stays readable, so
                // waiting again would return at once, forever: stop watching
                // it for a moment instead of spinning.
                Err(e) if is_out_of_resources(&e) => {
                    (self.log)(format!(
                        "accept failed: {e}; not accepting for {} ms",
                        ACCEPT_PAUSE.as_millis()
                    ));
                    self.selector.deregister(self.listener.as_fd())?;
                    self.accept_paused_until = Some(Instant::now() + ACCEPT_PAUSE);
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Starts watching a new client.
    fn admit(&mut self, socket: Socket, peer: SocketAddr) {
        let fd = socket.as_raw_fd();
        if let Err(e) = socket.set_nonblocking(true) {
            (self.log)(format!(
                "{peer} dropped: cannot make fd {fd} non-blocking: {e}"
            ));
            return;
        }
        // Echoes are small writes: send them at once, not after 40 ms of
        // Nagle's batching. A failure only costs latency.
        let _ = socket.set_nodelay(true);
        let token = Token(self.next_token);
        match self
            .selector
            .register(socket.as_fd(), token, Interest::READABLE)
        {
            Ok(()) => {
                self.next_token += 1;
                (self.log)(format!("accepted {peer} as fd {fd}"));
                self.clients.insert(
                    token,
                    Client {
                        socket,
                        peer,
                        pending: Vec::new(),
                        eof: false,
                        interest: Interest::READABLE,
                        echoed: 0,
                    },
                );
            }
            Err(e) => (self.log)(format!("{peer} dropped: cannot watch fd {fd}: {e}")),
        }
    }

    /// Serves one ready client, and closes it if it is done or failed.
    fn serve_client(&mut self, event: Event) {
        let Some(client) = self.clients.get_mut(&event.token) else {
            return;
        };
        let outcome = client.on_ready(&event).and_then(|()| {
            match client.wanted() {
                // Watch for what the client needs next, if that changed.
                Some(interest) if interest != client.interest => {
                    self.selector
                        .modify(client.socket.as_fd(), event.token, interest)?;
                    client.interest = interest;
                    Ok(true)
                }
                Some(_) => Ok(true),
                // It finished sending and has all its echoes: done.
                None => Ok(false),
            }
        });
        match outcome {
            Ok(true) => {}
            Ok(false) => {
                let echoed = client.echoed;
                let peer = client.peer;
                self.close(event.token);
                (self.log)(format!("{peer} left; echoed {echoed} bytes"));
            }
            Err(e) => {
                let peer = client.peer;
                self.close(event.token);
                (self.log)(format!("{peer} failed: {e}; closed it"));
            }
        }
    }

    /// Stops watching a client, then closes it: in that order (the contract
    /// of `Selector::deregister`).
    fn close(&mut self, token: Token) {
        if let Some(client) = self.clients.remove(&token) {
            if let Err(e) = self.selector.deregister(client.socket.as_fd()) {
                (self.log)(format!("{}: deregister failed: {e}", client.peer));
            }
            // `client.socket` is dropped here: its fd is closed.
        }
    }
}

impl Client {
    /// Reads what came (if we want more) and writes back what fits.
    fn on_ready(&mut self, event: &Event) -> io::Result<()> {
        if event.readable && !self.eof && self.pending.len() < MAX_PENDING {
            let mut buf = [0u8; READ_CHUNK];
            match self.socket.read(&mut buf) {
                Ok(0) => self.eof = true,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                // Readiness was a hint, and someone (nobody, here) took the
                // data first. Nothing to do until the next event.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        // Try to write at once, whatever the event: usually it all fits, and
        // we never need to watch for writability at all.
        if !self.pending.is_empty() {
            match self.socket.write(&self.pending) {
                Ok(n) => {
                    self.pending.drain(..n);
                    self.echoed += n as u64;
                }
                // The send buffer is full: keep the rest, watch for room.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// What to watch this client for next, or `None` when it is done.
    fn wanted(&self) -> Option<Interest> {
        let read = !self.eof && self.pending.len() < MAX_PENDING;
        let write = !self.pending.is_empty();
        match (read, write) {
            (true, true) => Some(Interest::BOTH),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        }
    }
}

impl<S: Selector> std::fmt::Debug for EchoServer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoServer")
            .field("selector", &self.selector)
            .field("listener", &self.listener)
            .field("clients", &self.clients.len())
            .field("turns", &self.turns)
            .finish_non_exhaustive()
    }
}

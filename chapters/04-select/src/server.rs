//! A one-thread echo server on `select(2)`, and on any selector (chapter 04;
//! chapters 05 and 06 run it on `poll` and `epoll`).
//!
//! Chapter 03's loop asked every client in turn "anything for me?", and spun
//! or slept between rounds. This one asks the kernel once: `select` sleeps
//! until *some* fd is ready and says which. One thread, many clients, no
//! spinning. The loop is the shape of every event loop to come:
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
//! A client whose fd is 1,024 or more cannot go in an `fd_set`. The selector
//! refuses it; we tell the client why in one line and close it, and everyone
//! else goes on being served.
//!
//! Everything here is written against the `Selector` contract, so the same
//! server runs on chapter 05's `Poll` and chapter 06's `Epoll` unchanged:
//! those chapters bring a selector and a [`TraceFormat`], not a server.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use ghetto_loop::sys::{
    Doorbell, Event, FD_SETSIZE, Interest, Select, Selector, Socket, Token, is_out_of_resources,
    raise_fd_limit,
};

use crate::trace::{self, TraceFormat};

/// The listener's token. Clients get 1, 2, 3...
pub const LISTENER: Token = Token(0);

/// What a client refused for its fd number reads before the server closes it.
pub const FULL_MESSAGE: &str = "server full: select() can only watch fds below 1024\n";

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

/// Binds `addr`, prints `listening on ADDR`, and serves on `select` until
/// killed. What happens to each client goes to stderr.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    serve_on(Select::new()?, addr)
}

/// [`serve`] on any selector: chapter 05's and 06's `serve` call this.
pub fn serve_on<S: Selector>(selector: S, addr: SocketAddr) -> anyhow::Result<()> {
    serve_listener(selector, listen(addr)?)
}

/// Binds `addr` and prints `listening on ADDR`, with the process's open
/// files limit raised first.
pub fn listen(addr: SocketAddr) -> anyhow::Result<Socket> {
    // Make the selector's own limit the one a client meets (select's fd
    // 1,024; poll and epoll have none), not the process's open files limit
    // (often 1,024 too, which would make `accept` fail first).
    raise_fd_limit().context("cannot raise the open files limit")?;
    let listener =
        Socket::listen(addr, BACKLOG).with_context(|| format!("cannot listen on {addr}"))?;
    course::cli::announce_listening(listener.local_addr()?);
    Ok(listener)
}

/// Serves `listener`'s clients on `selector` until killed. What happens to
/// each client goes to stderr.
pub fn serve_listener<S: Selector>(selector: S, listener: Socket) -> anyhow::Result<()> {
    let mut server = EchoServer::new(selector, listener)?;
    server.set_log(|line| eprintln!("{line}"));
    loop {
        server.pass(None)?;
    }
}

/// The echo server: a selector, a listener and the clients, driven one
/// [`pass`](EchoServer::pass) at a time.
pub struct EchoServer<S: Selector = Select> {
    /// Tells us which fds are ready.
    selector: S,
    /// Non-blocking, registered under [`LISTENER`] unless accepting is paused.
    listener: Socket,
    /// Every connected client, by the token its events carry.
    clients: HashMap<Token, Client>,
    /// The token the next client gets.
    next_token: usize,
    /// Reused by every wait, so a pass allocates nothing for events.
    events: Vec<Event>,
    /// Where the server says what happened (stderr, or a demo's timeline).
    log: Box<dyn Fn(String) + Send>,
    /// If set, each pass also logs what it asked the selector and what came
    /// back, pictured this way.
    trace: Option<TraceFormat>,
    /// Passes so far.
    passes: u64,
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

/// A handle another thread uses to stop a server's
/// [`run_until_stopped`](EchoServer::run_until_stopped): it sets a flag and
/// wakes the selector, so a server asleep in its selector notices at once.
#[derive(Debug, Clone)]
pub struct Stopper {
    flag: Arc<AtomicBool>,
    doorbell: Doorbell,
}

impl Stopper {
    /// Asks the server to stop after its current pass.
    pub fn stop(&self) -> io::Result<()> {
        self.flag.store(true, Ordering::SeqCst);
        self.doorbell.ring()
    }

    /// Whether [`Stopper::stop`] was called.
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
            trace: None,
            passes: 0,
            accept_paused_until: None,
        })
    }

    /// Where to say what happens: accepted, refused, left, failed.
    pub fn set_log(&mut self, log: impl Fn(String) + Send + 'static) {
        self.log = Box::new(log);
    }

    /// Whether each pass also logs what it gave the selector and the answer,
    /// pictured as `format` says ([`FD_SETS`](crate::trace::FD_SETS) for
    /// `select`); the demos turn
    /// it on for a few passes.
    pub fn set_trace(&mut self, format: Option<TraceFormat>) {
        self.trace = format;
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
    pub fn stopper(&self) -> Stopper {
        Stopper {
            flag: Arc::new(AtomicBool::new(false)),
            doorbell: self.selector.doorbell(),
        }
    }

    /// Runs passes until `stop` is stopped, each waiting at most `timeout`.
    pub fn run_until_stopped(
        &mut self,
        stop: &Stopper,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        while !stop.is_stopped() {
            self.pass(timeout)?;
        }
        Ok(())
    }

    /// One pass of the loop: wait up to `timeout` for readiness, then serve
    /// every ready fd. Errors only if the listener itself is broken; a
    /// client's failure is logged and ends that client alone.
    pub fn pass(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.passes += 1;
        // While accepting is paused, wake up in time to resume it.
        let timeout = match self.accept_paused_until {
            Some(until) => {
                let left = until.saturating_duration_since(Instant::now());
                Some(timeout.map_or(left, |t| t.min(left)))
            }
            None => timeout,
        };
        let asked = self.trace.map(|format| (format, self.watched()));
        let started = Instant::now();
        self.selector.wait(&mut self.events, timeout)?;
        if let Some((format, asked)) = asked {
            let took = started.elapsed();
            let line = trace::line(format, self.passes, &asked, &self.ready(), timeout, took);
            (self.log)(line);
        }

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

    /// Starts watching a new client, or tells it why we cannot.
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
            // select cannot watch this fd: it is FD_SETSIZE or above.
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                refuse(&socket);
                (self.log)(format!(
                    "refused {peer}: its fd {fd} is not below {FD_SETSIZE}, told it so"
                ));
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

    /// The fds the next wait asks about: (fd, interest) in fd order.
    fn watched(&self) -> Vec<(RawFd, Interest)> {
        let mut fds: Vec<(RawFd, Interest)> = self
            .clients
            .values()
            .map(|c| (c.socket.as_raw_fd(), c.interest))
            .collect();
        if self.accept_paused_until.is_none() {
            fds.push((self.listener.as_raw_fd(), Interest::READABLE));
        }
        fds.sort_by_key(|&(fd, _)| fd);
        fds
    }

    /// What the last wait reported: (fd, readiness), in the selector's order.
    /// An event that says neither readable nor writable (a hang-up) shows as
    /// readable: that is what the server treats it as.
    fn ready(&self) -> Vec<(RawFd, Interest)> {
        self.events
            .iter()
            .filter_map(|e| {
                let fd = if e.token == LISTENER {
                    self.listener.as_raw_fd()
                } else {
                    self.clients.get(&e.token)?.socket.as_raw_fd()
                };
                let readiness = match (e.readable, e.writable) {
                    (true, true) => Interest::BOTH,
                    (false, true) => Interest::WRITABLE,
                    _ => Interest::READABLE,
                };
                Some((fd, readiness))
            })
            .collect()
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

/// Tells a client we cannot watch why, and lets it go.
///
/// The socket is fresh, so its send buffer is empty and this one short line
/// fits whole even though the socket is non-blocking. `shutdown(Write)`
/// sends the end-of-file right behind it. A line the client already sent is
/// read and thrown away first: closing a socket with unread data makes the
/// kernel reset the connection, and a reset could reach the client before
/// it reads why.
fn refuse(socket: &Socket) {
    let _ = socket.read(&mut [0u8; 4096]);
    let _ = socket.write(FULL_MESSAGE.as_bytes());
    let _ = socket.shutdown(ghetto_loop::sys::Shutdown::Write);
}

impl<S: Selector> std::fmt::Debug for EchoServer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoServer")
            .field("selector", &self.selector)
            .field("listener", &self.listener)
            .field("clients", &self.clients.len())
            .field("passes", &self.passes)
            .finish_non_exhaustive()
    }
}

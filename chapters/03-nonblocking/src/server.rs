//! The busy-polling echo server: one thread, every socket non-blocking
//! (chapter 03).
//!
//! Nothing here waits. The listener and every client are switched to
//! `O_NONBLOCK`, so a call that has nothing to do fails at once with
//! `WouldBlock` (`EAGAIN`) instead of putting the thread to sleep. The server
//! goes round and round: accept whoever is queued, then give every client a
//! turn (read what it sent, write back what we owe it). When a whole round
//! found nothing to do, it sleeps for `interval` and goes again.
//!
//! With an interval of 0 it never sleeps: it spins, asking every socket
//! "anything?" as fast as the CPU allows. A longer interval burns less CPU,
//! and makes a message that arrives during the sleep wait for the next
//! round. Chapter 04's `select` ends the trade-off: the kernel says which
//! sockets are ready, and the thread sleeps until one is.

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;
use ghetto_loop::sys::{CpuTime, Socket, is_out_of_resources};

/// How many finished handshakes the kernel queues between our rounds.
pub const BACKLOG: i32 = 128;

/// The interval `serve` uses: short enough that a person typing never
/// notices, long enough that an idle server uses little CPU.
pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(1);

/// The most a client's turn reads at once. It is also the most we ever hold
/// for one client: we do not read more until it is written back.
pub const CHUNK: usize = 16 * 1024;

/// How long accepting pauses when the process is out of fds or memory. The
/// clients already connected go on being served meanwhile.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// Binds `addr`, prints `listening on ADDR`, and serves with
/// [`DEFAULT_INTERVAL`] until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    serve_with_interval(addr, DEFAULT_INTERVAL)
}

/// Binds `addr`, prints `listening on ADDR`, and serves until killed,
/// sleeping `interval` after every round that found nothing to do.
///
/// What the server does (accepted, left, failed) goes to stderr, one line
/// per event.
pub fn serve_with_interval(addr: SocketAddr, interval: Duration) -> anyhow::Result<()> {
    let mut server =
        Server::bind(addr, interval).with_context(|| format!("cannot listen on {addr}"))?;
    course::cli::announce_listening(server.local_addr()?);
    server.run(&|line| eprintln!("{line}"))?;
    Ok(())
}

/// A one-thread echo server that polls every socket in turn.
///
/// ```
/// use ch03_nonblocking::server::Server;
/// use std::io::{Read, Write};
/// use std::time::Duration;
///
/// let mut server = Server::bind("127.0.0.1:0".parse()?, Duration::from_millis(1))?;
/// let addr = server.local_addr()?;
/// let stopper = server.stopper();
/// let running = std::thread::spawn(move || server.run(&|_| {}));
///
/// let mut client = std::net::TcpStream::connect(addr)?;
/// client.write_all(b"ping")?;
/// let mut back = [0; 4];
/// client.read_exact(&mut back)?;
/// assert_eq!(&back, b"ping");
///
/// stopper.stop();
/// let report = running.join().unwrap()?;
/// assert_eq!(report.counts.accepted, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Server {
    /// The listening socket, non-blocking: `accept` says `WouldBlock` when
    /// nobody is queued.
    listener: Socket,
    /// Every connected client, in the order they were accepted.
    clients: Vec<Client>,
    /// How long to sleep after a round in which nothing happened.
    interval: Duration,
    /// One read buffer for all clients: what a client sent is copied into
    /// its `unsent` at once, so the buffer is free for the next one.
    buf: Box<[u8]>,
    /// When accepting may resume after running out of fds or memory.
    accept_paused_until: Option<Instant>,
    /// Counters, readable from other threads while the server runs.
    stats: Arc<Stats>,
    /// Set by a [`Stopper`]; checked once per round.
    stop: Arc<AtomicBool>,
}

/// A reading of the server's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Rounds over the listener and every client.
    pub rounds: u64,
    /// Rounds in which nothing at all happened (each followed by a sleep of
    /// `interval`, unless that is 0).
    pub idle_rounds: u64,
    /// Clients accepted so far.
    pub accepted: u64,
    /// Clients connected now.
    pub connected: u64,
    /// Reads that found nothing and said `WouldBlock`: the price of asking
    /// instead of being told.
    pub reads_would_block: u64,
    /// Writes that found the send buffer full and said `WouldBlock`.
    pub writes_would_block: u64,
    /// Writes that took only part of what they were given.
    pub partial_writes: u64,
    /// The most bytes ever held for one client, read and not yet written
    /// back. Backpressure keeps it at most one read's worth, [`CHUNK`].
    pub most_unsent: u64,
}

/// What a finished [`Server::run`] measured.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// How long it ran.
    pub wall: Duration,
    /// The CPU time the server's thread used meanwhile.
    pub cpu: CpuTime,
    /// The counters at the end.
    pub counts: Counts,
}

/// Tells a running server to stop after its current round.
#[derive(Debug, Clone)]
pub struct Stopper(Arc<AtomicBool>);

impl Stopper {
    /// Asks the server to stop; [`Server::run`] returns within a round (at
    /// most one `interval` later).
    pub fn stop(&self) {
        self.0.store(true, Relaxed);
    }
}

/// Reads a running server's counters from another thread.
#[derive(Debug, Clone)]
pub struct Counter(Arc<Stats>);

impl Counter {
    /// The counters now.
    pub fn counts(&self) -> Counts {
        self.0.counts()
    }
}

impl Server {
    /// Listens on `addr` with a non-blocking listener.
    pub fn bind(addr: SocketAddr, interval: Duration) -> io::Result<Server> {
        let listener = Socket::listen(addr, BACKLOG)?;
        listener.set_nonblocking(true)?;
        Ok(Server {
            listener,
            clients: Vec::new(),
            interval,
            buf: vec![0; CHUNK].into_boxed_slice(),
            accept_paused_until: None,
            stats: Arc::default(),
            stop: Arc::default(),
        })
    }

    /// The address the server listens on (the real port, after a bind to
    /// port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops [`Server::run`] from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.stop))
    }

    /// A handle to read the counters from another thread while the server
    /// runs.
    pub fn counter(&self) -> Counter {
        Counter(Arc::clone(&self.stats))
    }

    /// Serves, round after round, until stopped; then reports what it cost.
    /// Returns an error only if the listener fails; a client's error drops
    /// that client and is logged.
    pub fn run(&mut self, log: &dyn Fn(String)) -> io::Result<Report> {
        let started = Instant::now();
        let cpu_before = CpuTime::this_thread()?;
        while !self.stop.load(Relaxed) {
            let worked = self.round(log)?;
            if !worked {
                self.stats.idle_rounds.fetch_add(1, Relaxed);
                // With interval 0 this is skipped, and the loop spins.
                if !self.interval.is_zero() {
                    thread::sleep(self.interval);
                }
            }
        }
        Ok(Report {
            wall: started.elapsed(),
            cpu: CpuTime::this_thread()? - cpu_before,
            counts: self.stats.counts(),
        })
    }

    /// One round: accept everyone queued, then one turn per client. Returns
    /// whether anything happened.
    fn round(&mut self, log: &dyn Fn(String)) -> io::Result<bool> {
        self.stats.rounds.fetch_add(1, Relaxed);
        let mut worked = self.accept_queued(log)?;
        let (buf, stats) = (&mut self.buf, &self.stats);
        self.clients
            .retain_mut(|client| match client.turn(buf, stats) {
                Ok(Turn::Worked) => {
                    worked = true;
                    true
                }
                Ok(Turn::Idle) => true,
                Ok(Turn::Done) => {
                    log(format!(
                        "{} left; echoed {} bytes",
                        client.peer, client.echoed
                    ));
                    worked = true;
                    false
                }
                Err(e) => {
                    log(format!("{} failed: {e}; dropped it", client.peer));
                    worked = true;
                    false
                }
            });
        // Dropping a client closed its socket.
        self.stats
            .connected
            .store(self.clients.len() as u64, Relaxed);
        Ok(worked)
    }

    /// Accepts every client in the queue, until `accept` says `WouldBlock`.
    fn accept_queued(&mut self, log: &dyn Fn(String)) -> io::Result<bool> {
        if let Some(until) = self.accept_paused_until {
            if Instant::now() < until {
                return Ok(false);
            }
            self.accept_paused_until = None;
        }
        let mut accepted = false;
        loop {
            let (socket, peer) = match self.listener.accept() {
                Ok(new) => new,
                // Nobody is queued: the normal end of this loop, not an error.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(accepted),
                // The client gave up while queued: take the next one.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                // Out of fds or memory: the client stays queued. Serve the
                // others and try again a little later, instead of asking
                // the kernel every round (and logging it every round).
                Err(e) if is_out_of_resources(&e) => {
                    log(format!(
                        "accept failed: {e}; pausing accept for {ACCEPT_PAUSE:?}"
                    ));
                    self.accept_paused_until = Some(Instant::now() + ACCEPT_PAUSE);
                    return Ok(accepted);
                }
                Err(e) => return Err(e),
            };
            accepted = true;
            // A new connection is blocking, whatever the listener is (Linux
            // does not pass O_NONBLOCK on through accept): switch it over.
            // Small echoes should leave at once, not wait to be batched.
            if let Err(e) = socket
                .set_nonblocking(true)
                .and_then(|()| socket.set_nodelay(true))
            {
                log(format!("cannot set up {peer}: {e}; dropped it"));
                continue;
            }
            log(format!("accepted {peer} as fd {}", socket.as_raw_fd()));
            self.stats.accepted.fetch_add(1, Relaxed);
            self.clients.push(Client {
                socket,
                peer,
                unsent: Vec::new(),
                echoed: 0,
            });
        }
    }
}

/// One connected client and what we owe it.
#[derive(Debug)]
struct Client {
    /// The connection, non-blocking.
    socket: Socket,
    /// Who it is, for the log.
    peer: SocketAddr,
    /// Bytes read from the client and not yet written back. While this is
    /// not empty we do not read from the client (see [`Client::turn`]).
    unsent: Vec<u8>,
    /// Bytes echoed so far, for the log.
    echoed: u64,
}

/// What one client's turn achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// Bytes moved in or out.
    Worked,
    /// Nothing to read and nothing we could write: try again next round.
    Idle,
    /// The client closed its side and is owed nothing: drop it.
    Done,
}

/// Counters the server keeps while it runs, one atomic per field of
/// [`Counts`]. Only the server's thread writes them; anyone may read them,
/// so `Relaxed` is enough: each is a count on its own, read without
/// reference to the others.
#[derive(Debug, Default)]
struct Stats {
    rounds: AtomicU64,
    idle_rounds: AtomicU64,
    accepted: AtomicU64,
    connected: AtomicU64,
    reads_would_block: AtomicU64,
    writes_would_block: AtomicU64,
    partial_writes: AtomicU64,
    most_unsent: AtomicU64,
}

impl Client {
    /// One non-blocking step: read what the client sent, if we owe it
    /// nothing, then write back as much as the kernel will take now.
    ///
    /// Reading only when `unsent` is empty is what keeps a client that
    /// sends and never reads from making us buffer without limit: its data
    /// waits in the kernel instead, whose buffers fill, until the client's
    /// own writes block. That is backpressure.
    fn turn(&mut self, buf: &mut [u8], stats: &Stats) -> io::Result<Turn> {
        let mut worked = false;
        if self.unsent.is_empty() {
            match self.socket.read(buf) {
                Ok(0) => return Ok(Turn::Done),
                Ok(n) => {
                    self.unsent.extend_from_slice(&buf[..n]);
                    stats
                        .most_unsent
                        .fetch_max(self.unsent.len() as u64, Relaxed);
                    worked = true;
                }
                // Nothing has arrived. For a non-blocking socket this is
                // the everyday answer, not an error: ask again next round.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    stats.reads_would_block.fetch_add(1, Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
        while !self.unsent.is_empty() {
            match self.socket.write(&self.unsent) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the kernel accepted 0 bytes of a non-empty write",
                    ));
                }
                Ok(n) => {
                    if n < self.unsent.len() {
                        // The send buffer filled part-way: the rest waits
                        // for a later round.
                        stats.partial_writes.fetch_add(1, Relaxed);
                    }
                    self.unsent.drain(..n);
                    self.echoed += n as u64;
                    worked = true;
                }
                // The send buffer is full: the client is not reading. Keep
                // the bytes and move on to the next client.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    stats.writes_would_block.fetch_add(1, Relaxed);
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(if worked { Turn::Worked } else { Turn::Idle })
    }
}

impl Stats {
    fn counts(&self) -> Counts {
        Counts {
            rounds: self.rounds.load(Relaxed),
            idle_rounds: self.idle_rounds.load(Relaxed),
            accepted: self.accepted.load(Relaxed),
            connected: self.connected.load(Relaxed),
            reads_would_block: self.reads_would_block.load(Relaxed),
            writes_would_block: self.writes_would_block.load(Relaxed),
            partial_writes: self.partial_writes.load(Relaxed),
            most_unsent: self.most_unsent.load(Relaxed),
        }
    }
}

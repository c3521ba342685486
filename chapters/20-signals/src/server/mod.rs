//! `serve`: a line server that shuts down gracefully on a signal (chapter 20).
//!
//! The protocol: a client sends lines; the server works on each one for a
//! while ([`Options::work`]) and answers `ok <n>`, where `n` counts that
//! client's requests from 1. A line that starts with `slow` takes
//! [`Options::slow_work`] instead, so a test can show what the deadline does
//! to work that would never finish in time.
//!
//! When the signal comes, [`run`] shuts down in four steps, each a line of
//! code below and a line of the log:
//!
//! 1. **stop accepting**: the listening socket is closed, so a new
//!    connection is refused (and one that waited in the kernel's backlog,
//!    never accepted, is reset: it was never served, so it lost nothing);
//! 2. **say goodbye** to every connected client: `bye: server shutting
//!    down` goes into each client's outbox, and no more requests are read
//!    (half a line is not a request: it is dropped, never acknowledged);
//! 3. **finish and flush**: requests already read are finished and
//!    answered, and every outbox is written out; then each connection is
//!    closed the careful way (`client.rs`: a FIN, then wait for the client
//!    to close, so that no reset can overtake the last replies);
//! 4. **a deadline** bounds step 3 ([`Options::grace`]): what is still
//!    running then is cancelled (dropped), and the summary says so.
//!
//! "Acknowledged" means the server put `ok <n>` in the client's outbox:
//! from then on it owes the client that line. Nothing acknowledged is lost
//! when every acknowledged reply was written before its socket closed;
//! [`Summary::lost`] counts the ones that were not.
//!
//! The connections are children of a task group (chapter 18), so no
//! connection outlives [`run`], whether it ends by draining or by the
//! deadline.

mod client;

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::net::TcpListener;
use ghetto_loop::scope::{TaskGroup, group};
use ghetto_loop::signal::{Signals, Via};
use ghetto_loop::sync::Event;
use ghetto_loop::sys::{SIGINT, SIGTERM, signal_name};
use ghetto_loop::time::{Either, race, select, sleep};

use client::Client;

/// What a client is told when the server starts shutting down.
pub const GOODBYE: &str = "bye: server shutting down";

/// How long the server stops accepting after `accept` failed (out of fds,
/// most likely), so that a listener that stays readable does not spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// The server's timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How long the server works on an ordinary request.
    pub work: Duration,
    /// How long it works on a request that starts with `slow`.
    pub slow_work: Duration,
    /// After the signal: how long finishing and flushing may take in all.
    pub grace: Duration,
    /// After a client's last reply: how long to wait for it to close.
    pub linger: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            work: Duration::from_millis(200),
            slow_work: Duration::from_secs(60),
            grace: Duration::from_secs(2),
            linger: Duration::from_secs(1),
        }
    }
}

impl Options {
    /// How long the server works on `line`.
    pub fn work_for(&self, line: &str) -> Duration {
        if line.starts_with("slow") {
            self.slow_work
        } else {
            self.work
        }
    }
}

/// Where the server tells what it does: `(who, what)`, one event a call.
/// `serve` prints to stderr; the demo logs on its timeline.
pub type Log = Rc<dyn Fn(&str, String)>;

/// What a shutdown did, counted as it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// The signal that started it.
    pub signal: i32,
    /// Connections accepted, in all.
    pub clients: u64,
    /// Whole lines read, each a request.
    pub requests: u64,
    /// Requests answered: `ok <n>` put in the client's outbox.
    pub acked: u64,
    /// Of those, the replies written to their socket.
    pub delivered: u64,
    /// Half lines dropped at shutdown (never requests, never acknowledged).
    pub half_lines: u64,
    /// Connections still open at the deadline, and cancelled.
    pub cut_off: u64,
    /// From the signal to the end of the shutdown, on the loop's clock.
    pub took: Duration,
}

impl Summary {
    /// Acknowledged replies that never reached their socket.
    pub fn lost(&self) -> u64 {
        self.acked - self.delivered
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shutdown on {} took {:.3} s: {} clients, {} requests, {} acknowledged, {} delivered, {} lost; {} half lines dropped; {} connections cut off at the deadline",
            signal_name(self.signal),
            self.took.as_secs_f64(),
            self.clients,
            self.requests,
            self.acked,
            self.delivered,
            self.lost(),
            self.half_lines,
            self.cut_off
        )
    }
}

/// The `serve` command: binds `addr`, announces it, serves until SIGTERM or
/// SIGINT (Ctrl-C), shuts down gracefully, prints the summary and returns.
///
/// The two signal listeners are made first, before any other thread of the
/// process exists: a signalfd needs its signal blocked in every thread, and
/// a thread inherits the mask of the thread that starts it.
pub fn serve(addr: SocketAddr, opts: Options) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let term = Signals::on(&lp, SIGTERM, Via::SignalFd)?;
    let int = Signals::on(&lp, SIGINT, Via::SignalFd)?;
    ghetto_loop::sys::raise_fd_limit()?;
    let listener = TcpListener::bind_on(&lp, addr)?;
    course::cli::announce_listening(listener.local_addr()?);
    eprintln!(
        "line server on the {} selector: each line is answered `ok <n>` after {} ms; \
         SIGTERM or Ctrl-C shuts it down gracefully (at most {} s)",
        lp.selector_name(),
        opts.work.as_millis(),
        opts.grace.as_secs_f64()
    );
    let log: Log = Rc::new(|who, what| eprintln!("{who:<8} {what}"));
    let stop = race(term.recv(), int.recv());
    let summary = lp.block_on(run(listener, stop, opts, log))??;
    eprintln!("{summary}");
    Ok(())
}

/// Serves `listener` until `stop` gives a signal, then shuts down in the
/// four steps of the module docs and returns what happened.
///
/// ```
/// use ch20_signals::server::{Options, run};
/// use ghetto_loop::event_loop::EventLoop;
/// use ghetto_loop::net::TcpListener;
/// use ghetto_loop::sync::Event;
/// use ghetto_loop::sys::SIGTERM;
/// use std::rc::Rc;
///
/// let lp = EventLoop::new()?;
/// lp.pause_clock();
/// let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
/// let stop = Rc::new(Event::new());
/// stop.set(); // as if the signal had come already
/// let s = stop.clone();
/// let summary = lp.block_on(run(
///     listener,
///     async move { s.wait().await; Ok(SIGTERM) },
///     Options::default(),
///     Rc::new(|_, _| {}),
/// ))??;
/// assert_eq!((summary.clients, summary.lost()), (0, 0));
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn run(
    listener: TcpListener,
    stop: impl Future<Output = io::Result<i32>>,
    opts: Options,
    log: Log,
) -> io::Result<Summary> {
    let lp = LoopHandle::current();
    let shared = Rc::new(Shared {
        opts,
        log,
        counts: Counts::default(),
        clients: RefCell::new(Vec::new()),
        stopping: Event::new(),
        started: Cell::new(None),
    });
    // Step 4's clock starts when the signal has come, not before.
    let deadline = async {
        shared.stopping.wait().await;
        sleep(opts.grace).await;
    };
    let served = group(|g| {
        let shared = shared.clone();
        async move {
            let signal = match select(stop, accept_loop(&listener, &g, &shared)).await {
                Either::Left(signal) => signal?,
                Either::Right(never) => match never {},
            };
            shared
                .started
                .set(Some((signal, LoopHandle::current().time())));
            shared.log(format!("{} came: shutting down", signal_name(signal)));
            // 1. Closing the listening socket is what "stop accepting" is.
            drop(listener);
            shared.log("1. stopped accepting: the listening socket is closed".into());
            // 2. Goodbye into every outbox, behind what is already there.
            let connected = shared.clients.borrow().clone();
            for client in &connected {
                client.goodbye();
            }
            shared.log(format!(
                "2. told {} connected client(s) goodbye; reading no more requests",
                connected.len()
            ));
            // The readers see this and stop; the deadline starts counting.
            shared.stopping.set();
            let c = &shared.counts;
            shared.log(format!(
                "3. finishing every request already read ({} in progress) and flushing every outbox, for at most {} s",
                c.requests.get() - c.acked.get(),
                opts.grace.as_secs_f64()
            ));
            Ok(())
        }
    });
    match select(served, deadline).await {
        Either::Left(Ok(())) => shared.log("4. every connection drained and closed".into()),
        Either::Left(Err(e)) => return Err(io::Error::other(e)),
        // Dropping the group (select drops the loser) cancels every
        // connection still open.
        Either::Right(()) => shared.log(format!(
            "4. deadline: {} connection(s) still open are cancelled",
            shared.clients.borrow().len()
        )),
    }
    // Both ends of the select come after the signal, which set this.
    let (signal, when) = shared
        .started
        .get()
        .expect("a shutdown ends only after its signal");
    let c = &shared.counts;
    Ok(Summary {
        signal,
        clients: c.clients.get(),
        requests: c.requests.get(),
        acked: c.acked.get(),
        delivered: c.delivered.get(),
        half_lines: c.half_lines.get(),
        cut_off: shared.clients.borrow().len() as u64,
        took: lp.time() - when,
    })
}

/// Accepts clients, each a child of the group, until dropped.
async fn accept_loop(listener: &TcpListener, g: &TaskGroup, shared: &Rc<Shared>) -> Infallible {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                let id = shared.counts.clients.get() + 1;
                shared.counts.clients.set(id);
                let client = Rc::new(Client::new(id));
                shared.clients.borrow_mut().push(client.clone());
                shared.log(format!("#{id} connected"));
                g.spawn(
                    format!("#{id}"),
                    client::serve(stream, client, shared.clone()),
                );
            }
            Err(e) => {
                shared.log(format!(
                    "accept failed ({e}); not accepting for {} ms",
                    ACCEPT_RETRY.as_millis()
                ));
                sleep(ACCEPT_RETRY).await;
            }
        }
    }
}

/// What the server and its connections share.
struct Shared {
    opts: Options,
    log: Log,
    counts: Counts,
    /// The connections open now; each removes itself when it ends.
    clients: RefCell<Vec<Rc<Client>>>,
    /// Set at step 2: readers stop, the deadline starts.
    stopping: Event,
    /// The signal, and when it came on the loop's clock.
    started: Cell<Option<(i32, Instant)>>,
}

impl Shared {
    fn log(&self, what: String) {
        (self.log)("server", what);
    }
}

/// The running counts behind [`Summary`].
#[derive(Default)]
struct Counts {
    clients: Cell<u64>,
    requests: Cell<u64>,
    acked: Cell<u64>,
    delivered: Cell<u64>,
    half_lines: Cell<u64>,
}

impl Counts {
    fn bump(cell: &Cell<u64>) {
        cell.set(cell.get() + 1);
    }
}

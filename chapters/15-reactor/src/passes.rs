//! The loop's own record of its passes while the async echo server works
//! (chapter 15).
//!
//! Two claims, read off [`Pass`] records (`LoopHandle::on_pass`):
//!
//! * **The loop parks in the selector only when nothing is ready.** A pass
//!   that starts with work queued looks with a zero timeout; one that
//!   starts with nothing queued waits, with no timeout at all when no timer
//!   is pending.
//! * **A task woken by readiness runs in the same pass.** The wait sees the
//!   client's socket, the loop wakes the task that waits on it, and the
//!   task runs in that pass: no second, zero-timeout pass per request.
//!   Were wake-ups queued for the next pass instead, every request would
//!   cost two passes.
//!
//! The client is a thread that sends requests in rounds: one request on
//! every connection, then every reply. Before and after the rounds it
//! marks the record through the loop's `Remote`, so the setup (accepting,
//! spawning) is kept apart from the requests.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use course::testing::PATIENCE;
use ghetto_loop::event_loop::{EventLoop, LoopHandle, Pass, Remote};
use ghetto_loop::net::TcpListener;
use ghetto_loop::sys::SelectorKind;

use crate::echo;

/// The passes of one run, split where the client marked them.
#[derive(Debug, Clone)]
pub struct Record {
    /// Connections, each sending one request per round.
    pub clients: usize,
    /// Rounds of requests.
    pub rounds: usize,
    /// The passes before the first request: binding, accepting, spawning.
    pub setup: Vec<Pass>,
    /// The passes that served the requests, and nothing else.
    pub requests: Vec<Pass>,
}

impl Record {
    /// Requests served while recording.
    pub fn requests_sent(&self) -> usize {
        self.clients * self.rounds
    }

    /// Passes of the requests that waited in the selector (no zero timeout).
    pub fn parked(&self) -> usize {
        self.requests.iter().filter(|p| !looked_only(p)).count()
    }

    /// Passes of the requests that only looked (a zero timeout), because
    /// something was queued when they began.
    pub fn looked(&self) -> usize {
        self.requests.iter().filter(|p| looked_only(p)).count()
    }

    /// Passes of the requests whose wait woke tasks and that ran every one
    /// of them, leaving nothing for the next pass.
    pub fn woke_and_ran(&self) -> usize {
        self.requests.iter().filter(|p| woke_and_ran(p)).count()
    }

    /// Zero-timeout passes during the setup: each had work queued (a task
    /// just spawned) when it began.
    pub fn setup_looked(&self) -> usize {
        self.setup.iter().filter(|p| looked_only(p)).count()
    }
}

/// Whether `pass` only looked at the fds: its timeout was zero.
pub fn looked_only(pass: &Pass) -> bool {
    pass.timeout == Some(Duration::ZERO)
}

/// Whether the wait of `pass` woke tasks, and the pass ran all of them and
/// queued nothing for the next one.
pub fn woke_and_ran(pass: &Pass) -> bool {
    pass.io_callbacks > 0 && pass.ran == pass.io_callbacks && pass.left_for_next == 0
}

/// Runs the async echo server on a loop of `kind` on this thread, with
/// `clients` connections sending `rounds` rounds of requests, and returns
/// the loop's record of its passes.
pub fn record(kind: SelectorKind, clients: usize, rounds: usize) -> anyhow::Result<Record> {
    let lp = EventLoop::with_kind(kind)?;
    let passes = Rc::new(RefCell::new(Vec::new()));
    let sink = passes.clone();
    lp.on_pass(move |pass: &Pass| sink.borrow_mut().push(*pass));

    let listener = TcpListener::bind_on(&lp, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    lp.spawn(echo::accept_loop(listener));
    let remote = lp.remote();
    let script = thread::spawn(move || {
        let marks = send_rounds(addr, &remote, clients, rounds);
        // Whatever happened, let the loop's thread go. No timer guards the
        // run: a pending timer would change every pass's timeout.
        let _ = remote.call_soon_threadsafe(|| LoopHandle::current().stop());
        marks
    });
    lp.run_forever()?;
    let (start, end) = script
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))??;
    let passes = passes.borrow();
    Ok(Record {
        clients,
        rounds,
        setup: passes
            .iter()
            .filter(|p| p.number <= start)
            .copied()
            .collect(),
        requests: passes
            .iter()
            .filter(|p| p.number > start && p.number < end)
            .copied()
            .collect(),
    })
}

/// The client's side. Returns the numbers of the passes in which the start
/// and the end marks ran.
fn send_rounds(
    addr: SocketAddr,
    remote: &Remote,
    clients: usize,
    rounds: usize,
) -> anyhow::Result<(u64, u64)> {
    let mut conns = Vec::new();
    for i in 0..clients {
        let mut conn = TcpStream::connect(addr).context("connecting")?;
        conn.set_read_timeout(Some(PATIENCE))?;
        conn.set_nodelay(true)?;
        // A first round trip: the connection is accepted and its task is
        // waiting in the reactor before the record starts.
        round_trip(&mut conn, &format!("hello from {i}\n"))?;
        conns.push(conn);
    }
    let start = mark(remote)?;
    for round in 0..rounds {
        for (i, conn) in conns.iter_mut().enumerate() {
            conn.write_all(format!("round {round} client {i}\n").as_bytes())?;
        }
        for (i, conn) in conns.iter_mut().enumerate() {
            expect(conn, &format!("round {round} client {i}\n"))?;
        }
    }
    let end = mark(remote)?;
    Ok((start, end))
}

/// Runs a callback on the loop and returns the number of the pass it ran
/// in, once it has run. The loop counts a pass when it ends, so the pass
/// running now is one more than the count.
fn mark(remote: &Remote) -> anyhow::Result<u64> {
    let (tx, rx) = mpsc::channel();
    remote.call_soon_threadsafe(move || {
        let _ = tx.send(LoopHandle::current().stats().passes + 1);
    })?;
    rx.recv_timeout(PATIENCE)
        .context("the loop did not run the mark")
}

fn round_trip(conn: &mut TcpStream, line: &str) -> anyhow::Result<()> {
    conn.write_all(line.as_bytes())?;
    expect(conn, line)
}

fn expect(conn: &mut TcpStream, line: &str) -> anyhow::Result<()> {
    let mut got = vec![0; line.len()];
    conn.read_exact(&mut got)
        .with_context(|| format!("waiting for the echo of {line:?}"))?;
    if got != line.as_bytes() {
        bail!(
            "sent {line:?}, got back {:?}",
            String::from_utf8_lossy(&got)
        );
    }
    Ok(())
}

//! The soak: one server held for a fixed time under connection churn, its
//! open fds and resident memory sampled before, during and after (`bench
//! soak`, `make soak`; a short version runs in `make test`).
//!
//! A benchmark asks "how fast"; a soak asks "does it come back". Thousands
//! of connections are held open while worker threads churn through the
//! kinds of client a server meets: polite ones (connect, a line, its echo,
//! close), ones that reset mid-stream (`SO_LINGER` 0, so `close` sends RST),
//! ones that half-close (`shutdown(SHUT_WR)` and read the rest), slow readers
//! (a large request read back a little at a time, so the server's writes
//! meet a full socket buffer), and held connections replaced now and then.
//! Afterwards every client is gone, and the server must be back where it
//! started: the same fds open, and resident memory within a stated
//! tolerance. A client error the client did not cause (a wrong echo, a reset
//! or an end-of-file on a polite connection, a refused connect) fails it.
//!
//! Any server of the registry can be soaked (`--server NAME`); the default
//! is [`DEFAULT_SERVER`]. Chapter 21's HTTP servers are soaked the same
//! way with clients that speak HTTP/1.1 (see [`crate::soak_http`]): the
//! protocol follows from the server's name.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use crate::cli::flag_value;
use crate::server_process::ServerProcess;
use crate::servers::{self, Server};
use crate::soak_http;

/// The server `bench soak` holds when none is named: chapter 15's echo
/// server, the last whole server of the course on ghetto-loop's tasks.
pub const DEFAULT_SERVER: &str = "ch15-reactor";

/// How long a client waits for one reply before it calls it a hang.
const REPLY_LIMIT: Duration = Duration::from_secs(20);

/// How long the server gets, once the clients are gone, to close what it
/// had open (it learns of each close from a read of 0 or an error).
const SETTLE_LIMIT: Duration = Duration::from_secs(20);

/// The most resident memory may stay above its starting level once the
/// churn is over: see [`SoakPlan::rss_tolerance`].
const RSS_SLACK: u64 = 8 << 20;

/// The longest an HTTP soak may churn. Chapter 21's server closes a
/// kept-alive connection idle for 60 s (its documented `idle_timeout`);
/// the held connections sit idle from the moment they are opened, so the
/// churn stays well under that and a close of a held connection is always
/// an error. Soaking longer would need the held clients to send a request
/// now and then, which would make them busy ones.
const HTTP_LONGEST: Duration = Duration::from_secs(50);

/// What the soak's clients speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// A line out, the same line back (the echo servers).
    Echo,
    /// `GET /` and its whole answer over HTTP/1.1 (chapter 21's servers).
    Http,
}

impl Protocol {
    /// The protocol of the server called `name`: HTTP for chapter 21's.
    pub fn of(name: &str) -> Protocol {
        if crate::http::find(name).is_some() {
            Protocol::Http
        } else {
            Protocol::Echo
        }
    }
}

/// How much soaking, and of what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoakPlan {
    /// Registry name of the server.
    pub server: String,
    /// What the clients speak (follows from the server).
    pub protocol: Protocol,
    /// How long the churn lasts.
    pub duration: Duration,
    /// Connections held open for the whole run (some replaced as it goes).
    pub held: usize,
    /// Threads that churn, each doing one kind of client after another.
    pub workers: usize,
    /// Bytes a slow reader sends and reads back.
    pub slow_bytes: usize,
}

impl SoakPlan {
    /// `make soak`: two minutes, 3,000 held connections.
    pub fn long() -> SoakPlan {
        SoakPlan {
            server: DEFAULT_SERVER.to_owned(),
            protocol: Protocol::Echo,
            duration: Duration::from_secs(120),
            held: 3_000,
            workers: 4,
            slow_bytes: 1 << 20,
        }
    }

    /// `make test`: a few seconds, a few hundred held connections.
    pub fn short() -> SoakPlan {
        SoakPlan {
            server: DEFAULT_SERVER.to_owned(),
            protocol: Protocol::Echo,
            duration: Duration::from_secs(4),
            held: 300,
            workers: 2,
            slow_bytes: 256 << 10,
        }
    }

    /// How far above its starting RSS the server may end: 8 MiB. The
    /// allocator (glibc's malloc) keeps memory it was given back by the
    /// program for the next allocation instead of returning it to the
    /// kernel: freed chunks in the middle of the heap stay resident, and
    /// only the top of the heap is trimmed. So a server that freed every
    /// connection still shows part of its peak; what must not happen is
    /// growth with the amount of churn, which a leak of even a few hundred
    /// bytes per connection would show as tens of megabytes here.
    ///
    /// The tolerance is counted from the *warmed* sample (see
    /// [`SoakOutcome::warmed`]): how much freed memory the allocator keeps
    /// depends on how many connections were open at once, which is the
    /// plan's `held`, not on the churn. Chapter 21's server on its loop
    /// thread shows why: 3,000 connections of about 6 KiB each leave some
    /// 18 MiB resident after every one of them is closed, and glibc's
    /// `malloc_trim(0)` gives all of it back, so it is free memory, not a
    /// leak. The report shows the cold start too.
    pub fn rss_tolerance(&self) -> u64 {
        RSS_SLACK
    }
}

/// One sample of the server's fds and memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds since the churn began (negative: before; after the end: after).
    pub at: f64,
    /// Open fds of the server process.
    pub fds: usize,
    /// Its resident memory, bytes.
    pub rss: u64,
}

/// What the churn did, counted by kind of client.
#[derive(Debug, Default)]
pub struct Tally {
    /// Polite round trips: connect, a line, its echo, close.
    pub polite: AtomicU64,
    /// Connections reset by the client mid-stream.
    pub resets: AtomicU64,
    /// Half-closed connections that read their whole echo and then EOF.
    pub half_closed: AtomicU64,
    /// Slow readers that got their whole echo back.
    pub slow: AtomicU64,
    /// Held connections closed and opened again.
    pub replaced: AtomicU64,
    /// Errors the server caused, with what happened (kept to the first 20).
    pub server_errors: Mutex<Vec<String>>,
    /// How many of those there were in all.
    pub server_error_count: AtomicU64,
}

/// The outcome of a soak.
#[derive(Debug)]
pub struct SoakOutcome {
    /// The plan it ran.
    pub plan: SoakPlan,
    /// Before the first client (after one exchange, so that what a first
    /// connection allocates once is not counted as churn).
    pub before: Sample,
    /// After a warm-up: `held` connections opened, used once, closed, and
    /// the server settled. What the allocator keeps from that many open
    /// connections is resident from here on; RSS is judged against this.
    pub warmed: Sample,
    /// Every second of the churn.
    pub during: Vec<Sample>,
    /// Once every client was gone and the server had settled.
    pub after: Sample,
    /// What the clients did.
    pub tally: Tally,
    /// Connections opened in all (held, replaced and churned).
    pub connections: u64,
}

impl SoakOutcome {
    /// The most fds the server had open at once, as sampled.
    pub fn peak_fds(&self) -> usize {
        self.during
            .iter()
            .map(|s| s.fds)
            .max()
            .unwrap_or(self.before.fds)
    }

    /// The most resident memory, as sampled.
    pub fn peak_rss(&self) -> u64 {
        self.during
            .iter()
            .map(|s| s.rss)
            .max()
            .unwrap_or(self.before.rss)
    }

    /// How much RSS grew from the first sample of the churn to the last:
    /// the held connections are open by the first, so what comes after is
    /// churn alone. A leak per connection shows here first.
    pub fn churn_growth(&self) -> i64 {
        match (self.during.first(), self.during.last()) {
            (Some(first), Some(last)) => last.rss as i64 - first.rss as i64,
            _ => 0,
        }
    }

    /// What is wrong, if anything: fds not back, memory not back within
    /// the tolerance, errors the server caused.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.after.fds != self.before.fds {
            problems.push(format!(
                "the server has {} fds open after the churn, {} before",
                self.after.fds, self.before.fds
            ));
        }
        let limit = self.warmed.rss + self.plan.rss_tolerance();
        if self.after.rss > limit {
            problems.push(format!(
                "the server's RSS is {} after the churn, {} after the warm-up (tolerance {})",
                mib(self.after.rss),
                mib(self.warmed.rss),
                mib(self.plan.rss_tolerance())
            ));
        }
        let errors = self.tally.server_error_count.load(Ordering::Relaxed);
        if errors > 0 {
            let first = self
                .tally
                .server_errors
                .lock()
                .map(|e| e.join("; "))
                .unwrap_or_default();
            problems.push(format!(
                "{errors} client errors the clients did not cause: {first}"
            ));
        }
        problems
    }

    /// The report, in Markdown.
    pub fn report(&self) -> String {
        let t = &self.tally;
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let _ = writeln!(out, "# Soak: {} under churn\n", self.plan.server);
        let _ = writeln!(
            out,
            "{} s of churn, {} connections held open, {} worker threads; {} connections opened in all.\n",
            self.plan.duration.as_secs(),
            self.plan.held,
            self.plan.workers,
            self.connections
        );
        let _ = writeln!(out, "| client kind | count |\n|---|---:|");
        let (exchange, slow) = match self.plan.protocol {
            Protocol::Echo => (
                "connect, line, echo, close".to_owned(),
                format!("{} KiB each", self.plan.slow_bytes >> 10),
            ),
            Protocol::Http => (
                "connect, three `GET /` kept alive, close".to_owned(),
                format!(
                    "{} pipelined requests each",
                    soak_http::slow_requests(self.plan.slow_bytes)
                ),
            ),
        };
        let _ = writeln!(
            out,
            "| polite round trips ({exchange}) | {} |",
            n(&t.polite)
        );
        let _ = writeln!(
            out,
            "| resets mid-stream (SO_LINGER 0) | {} |",
            n(&t.resets)
        );
        let _ = writeln!(
            out,
            "| half-closed, whole echo (or answer) then EOF | {} |",
            n(&t.half_closed)
        );
        let _ = writeln!(
            out,
            "| slow readers ({slow}, read back 4 KiB at a time) | {} |",
            n(&t.slow)
        );
        let _ = writeln!(out, "| held connections replaced | {} |", n(&t.replaced));
        let _ = writeln!(
            out,
            "| errors the server caused | {} |\n",
            n(&t.server_error_count)
        );
        let _ = writeln!(out, "| server | open fds | RSS |\n|---|---:|---:|");
        let _ = writeln!(
            out,
            "| before (one exchange served) | {} | {} |",
            self.before.fds,
            mib(self.before.rss)
        );
        let _ = writeln!(
            out,
            "| after the warm-up ({} connections opened and closed) | {} | {} |",
            self.plan.held,
            self.warmed.fds,
            mib(self.warmed.rss)
        );
        let _ = writeln!(
            out,
            "| peak during | {} | {} |",
            self.peak_fds(),
            mib(self.peak_rss())
        );
        let _ = writeln!(
            out,
            "| after | {} | {} |\n",
            self.after.fds,
            mib(self.after.rss)
        );
        let _ = writeln!(
            out,
            "RSS growth while churning (first sample of the churn to the last): {:+.1} MiB.\n",
            self.churn_growth() as f64 / (1 << 20) as f64
        );
        let _ = writeln!(
            out,
            "Tolerance: the same fds after as before; RSS at most {} above where it was after the warm-up \
             (glibc's malloc keeps freed memory for reuse, as much as the most connections open at once needed; \
             a leak per connection would grow with the churn).\n",
            mib(self.plan.rss_tolerance())
        );
        let problems = self.problems();
        if problems.is_empty() {
            let _ = writeln!(
                out,
                "Result: **fds back to where they started, RSS within the tolerance, no error the server caused.**"
            );
        } else {
            let _ = writeln!(out, "Result: **failed**:\n");
            for p in problems {
                let _ = writeln!(out, "- {p}");
            }
        }
        let _ = writeln!(out, "\nSamples (seconds, fds, RSS in MiB):\n\n```text");
        for s in [&self.before, &self.warmed]
            .into_iter()
            .chain(&self.during)
            .chain(std::iter::once(&self.after))
        {
            let _ = writeln!(
                out,
                "{:>7.1} {:>6} {:>8.1}",
                s.at,
                s.fds,
                s.rss as f64 / (1 << 20) as f64
            );
        }
        let _ = writeln!(out, "```");
        out
    }
}

/// Runs the soak, writes `report.md` into `out`, and fails if the server
/// did not come back or caused a client error.
pub fn run(plan: &SoakPlan, out: &Path) -> anyhow::Result<()> {
    let outcome = soak(plan, out)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let report_path = out.join("report.md");
    std::fs::write(&report_path, outcome.report())
        .with_context(|| format!("cannot write {}", report_path.display()))?;
    let problems = outcome.problems();
    println!(
        "soak: {} for {} s, {} held, {} connections in all; fds {} -> peak {} -> {}; RSS {} -> warmed {} -> peak {} -> {}; report in {}",
        plan.server,
        plan.duration.as_secs(),
        plan.held,
        outcome.connections,
        outcome.before.fds,
        outcome.peak_fds(),
        outcome.after.fds,
        mib(outcome.before.rss),
        mib(outcome.warmed.rss),
        mib(outcome.peak_rss()),
        mib(outcome.after.rss),
        report_path.display()
    );
    if !problems.is_empty() {
        bail!("soak failed: {}", problems.join("; "));
    }
    Ok(())
}

/// Starts the server, churns, samples, stops it.
pub fn soak(plan: &SoakPlan, out: &Path) -> anyhow::Result<SoakOutcome> {
    let server = find(&plan.server)
        .ok_or_else(|| anyhow!("no server called {:?} (try `bench list`)", plan.server))?;
    let protocol = plan.protocol;
    ghetto_loop::sys::raise_fd_limit().context("cannot raise the open-file limit")?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut process = ServerProcess::start(server, 0, &out.join("server.log"))?;
    let addr = process.addr();
    let pid = process.pid();
    let sample = |at: f64| -> anyhow::Result<Sample> {
        Ok(Sample {
            at,
            fds: fd_count(pid).context("cannot count the server's fds")?,
            rss: course::testing::rss_bytes(pid).context("cannot read the server's RSS")?,
        })
    };
    // One round trip first, so that "before" is a server that has served:
    // what a first connection allocates once (buffers, tables) is not churn.
    // Then wait until the server has closed its end of it.
    let idle_fds = sample(-0.0)?.fds;
    polite(protocol, addr, 0).map_err(|e| anyhow!("the first round trip failed: {e}"))?;
    let before = settled(idle_fds, -0.0, &sample)?;
    // The warm-up: as many connections as the soak will hold, each used
    // once, then closed. The allocator's high-water mark for that many is
    // set here, before the churn that is judged.
    let opened = Arc::new(AtomicU64::new(1));
    drop(hold(protocol, addr, plan.held, &opened)?);
    let warmed = settled(before.fds, -0.0, &sample)?;

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let held = hold(protocol, addr, plan.held, &opened)?;
    let held = Arc::new(Mutex::new(held));
    let workers: Vec<_> = (0..plan.workers)
        .map(|w| {
            let (tally, opened, stop, held) =
                (tally.clone(), opened.clone(), stop.clone(), held.clone());
            let plan = plan.clone();
            thread::spawn(move || churn(&plan, addr, w, &tally, &opened, &stop, &held))
        })
        .collect();
    let mut during = Vec::new();
    while start.elapsed() < plan.duration {
        thread::sleep(Duration::from_secs(1).min(plan.duration.saturating_sub(start.elapsed())));
        during.push(sample(start.elapsed().as_secs_f64())?);
        process.check_alive()?;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker
            .join()
            .map_err(|_| anyhow!("a churn thread panicked"))?;
    }
    held.lock()
        .map_err(|_| anyhow!("a churn thread panicked holding the connections"))?
        .clear();
    let end = start.elapsed().as_secs_f64();

    // Every client is closed; the server closes its ends as it reads EOF.
    let after = settled(before.fds, end, &sample)?;
    process.check_alive()?;
    process.stop();
    let tally = Arc::try_unwrap(tally).map_err(|_| anyhow!("a churn thread outlived the soak"))?;
    Ok(SoakOutcome {
        plan: plan.clone(),
        before,
        warmed,
        during,
        after,
        tally,
        connections: opened.load(Ordering::Relaxed),
    })
}

/// Samples until the server has `fds` open, or [`SETTLE_LIMIT`] passed;
/// returns the last sample (the caller judges it).
fn settled(
    fds: usize,
    at: f64,
    sample: &impl Fn(f64) -> anyhow::Result<Sample>,
) -> anyhow::Result<Sample> {
    let start = Instant::now();
    let mut last = sample(at)?;
    while last.fds != fds && start.elapsed() < SETTLE_LIMIT {
        thread::sleep(Duration::from_millis(50));
        last = sample(at + start.elapsed().as_secs_f64())?;
    }
    Ok(last)
}

/// The server called `name`, echo or HTTP.
fn find(name: &str) -> Option<&'static Server> {
    servers::find(name).or_else(|| crate::http::find(name))
}

/// Opens `n` connections and checks each with one round trip.
fn hold(
    protocol: Protocol,
    addr: SocketAddr,
    n: usize,
    opened: &AtomicU64,
) -> anyhow::Result<Vec<TcpStream>> {
    (0..n)
        .map(|i| {
            let stream = connect(addr)?;
            opened.fetch_add(1, Ordering::Relaxed);
            round_trip(protocol, &stream, &format!("held {i}"))?;
            Ok(stream)
        })
        .collect::<io::Result<Vec<_>>>()
        .map_err(|e| anyhow!("cannot open the held connections: {e}"))
}

/// One worker: a kind of client after another until `stop`.
fn churn(
    plan: &SoakPlan,
    addr: SocketAddr,
    worker: usize,
    tally: &Tally,
    opened: &AtomicU64,
    stop: &AtomicBool,
    held: &Mutex<Vec<TcpStream>>,
) {
    let (protocol, slow_bytes) = (plan.protocol, plan.slow_bytes);
    let mut round = 0usize;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        // Mostly polite clients, the others in turn: what a server meets.
        let (result, counter) = match round % 8 {
            1 => (reset(protocol, addr), &tally.resets),
            3 => (half_close(protocol, addr, round), &tally.half_closed),
            5 => (slow_reader(protocol, addr, slow_bytes), &tally.slow),
            7 => (replace_one(protocol, addr, round, held), &tally.replaced),
            _ => (polite(protocol, addr, round), &tally.polite),
        };
        opened.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(()) => {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                tally.server_error_count.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut errors) = tally.server_errors.lock()
                    && errors.len() < 20
                {
                    errors.push(format!("worker {worker}, round {round}: {e}"));
                }
            }
        }
    }
}

fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, REPLY_LIMIT)?;
    stream.set_read_timeout(Some(REPLY_LIMIT))?;
    stream.set_write_timeout(Some(REPLY_LIMIT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// One exchange on a connection that stays open: the line `tag` and its
/// echo, or a request and its whole answer.
fn round_trip(protocol: Protocol, stream: &TcpStream, tag: &str) -> io::Result<()> {
    match protocol {
        Protocol::Echo => echo_round_trip(stream, format!("{tag}\n").as_bytes()),
        Protocol::Http => soak_http::round_trip(stream),
    }
}

/// Sends `line` and reads back exactly its echo.
fn echo_round_trip(mut stream: &TcpStream, line: &[u8]) -> io::Result<()> {
    stream.write_all(line)?;
    let mut back = vec![0u8; line.len()];
    stream.read_exact(&mut back)?;
    if back != line {
        return Err(io::Error::other(format!(
            "a wrong echo: sent {:?}, got {:?}",
            String::from_utf8_lossy(line),
            String::from_utf8_lossy(&back)
        )));
    }
    Ok(())
}

/// Connect, a line and its echo (or a few requests kept alive), close. Any
/// error here is the server's.
fn polite(protocol: Protocol, addr: SocketAddr, round: usize) -> io::Result<()> {
    let stream = connect(addr)?;
    match protocol {
        Protocol::Echo => round_trip(protocol, &stream, &format!("polite {round}")),
        Protocol::Http => soak_http::polite(&stream),
    }
}

/// Connect, one exchange, then unread data (a line's worth, or requests
/// whose answers are never read) and a reset: the errors this causes are
/// the client's, so only the connect and the first exchange are checked.
fn reset(protocol: Protocol, addr: SocketAddr) -> io::Result<()> {
    let mut stream = connect(addr)?;
    round_trip(protocol, &stream, "about to reset")?;
    // Data in flight both ways, then close with SO_LINGER 0: an RST.
    match protocol {
        Protocol::Echo => stream.write_all(&[b'r'; 4096])?,
        Protocol::Http => stream.write_all(&soak_http::unread_requests())?,
    }
    socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
    drop(stream);
    Ok(())
}

/// A line (or a request), then `shutdown(SHUT_WR)`: the whole echo (or
/// answer) must come back, then end-of-file.
fn half_close(protocol: Protocol, addr: SocketAddr, round: usize) -> io::Result<()> {
    let mut stream = connect(addr)?;
    if protocol == Protocol::Http {
        return soak_http::half_close(&stream);
    }
    let line = format!("half-closed {round}\n");
    stream.write_all(line.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    let mut back = Vec::new();
    stream.read_to_end(&mut back)?;
    if back != line.as_bytes() {
        return Err(io::Error::other(format!(
            "after a half-close: sent {line:?}, got {:?}",
            String::from_utf8_lossy(&back)
        )));
    }
    Ok(())
}

/// Sends `bytes` from one thread while this one reads the echo back 4 KiB
/// at a time with a pause in between: the server's writes meet a full
/// socket buffer and must wait, not drop or block everyone. Over HTTP,
/// pipelined requests stand in for the bytes.
fn slow_reader(protocol: Protocol, addr: SocketAddr, bytes: usize) -> io::Result<()> {
    let stream = connect(addr)?;
    if protocol == Protocol::Http {
        return soak_http::slow_reader(&stream, soak_http::slow_requests(bytes));
    }
    let pattern: Vec<u8> = (0..bytes).map(|i| b'a' + (i % 23) as u8).collect();
    let mut writer = stream.try_clone()?;
    let sent = pattern.clone();
    let sender = thread::spawn(move || writer.write_all(&sent));
    let mut back = vec![0u8; bytes];
    let mut got = 0;
    let mut reader = &stream;
    while got < bytes {
        let end = (got + 4096).min(bytes);
        match reader.read(&mut back[got..end])? {
            0 => {
                return Err(io::Error::other(format!(
                    "EOF after {got} of {bytes} bytes"
                )));
            }
            n => got += n,
        }
        thread::sleep(Duration::from_micros(200));
    }
    sender
        .join()
        .map_err(|_| io::Error::other("the slow reader's sender panicked"))??;
    if back != pattern {
        return Err(io::Error::other("a slow reader's echo came back altered"));
    }
    Ok(())
}

/// Closes one held connection (after a last round trip) and opens another.
fn replace_one(
    protocol: Protocol,
    addr: SocketAddr,
    round: usize,
    held: &Mutex<Vec<TcpStream>>,
) -> io::Result<()> {
    let fresh = connect(addr)?;
    round_trip(protocol, &fresh, &format!("replacing {round}"))?;
    let mut held = held
        .lock()
        .map_err(|_| io::Error::other("a churn thread panicked"))?;
    if held.is_empty() {
        return Ok(());
    }
    let index = round % held.len();
    let old = std::mem::replace(&mut held[index], fresh);
    drop(held);
    round_trip(protocol, &old, &format!("last words {round}"))
}

/// The open fds of process `pid`: the entries of `/proc/PID/fd`.
fn fd_count(pid: u32) -> io::Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// Where `bench soak` writes unless told otherwise: `target/soak/`.
pub fn default_out_dir() -> PathBuf {
    crate::default_out_dir().parent().map_or_else(
        || PathBuf::from("target/soak"),
        |target| target.join("soak"),
    )
}

/// `bench soak [--short] [--server NAME] [--seconds S] [--held N] [--out DIR]`.
pub fn parse(args: &[String]) -> Result<(SoakPlan, PathBuf), String> {
    let mut plan = if args.iter().any(|a| a == "--short") {
        SoakPlan::short()
    } else {
        SoakPlan::long()
    };
    let mut out = default_out_dir();
    let mut seconds_given = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| flag_value(&mut rest, flag);
        match arg.as_str() {
            "--short" => {}
            "--server" => {
                let name = value("--server")?;
                find(&name)
                    .ok_or_else(|| format!("no server called {name:?} (try `bench list`)"))?;
                plan.protocol = Protocol::of(&name);
                plan.server = name;
            }
            "--seconds" => {
                let text = value("--seconds")?;
                seconds_given = true;
                plan.duration = text
                    .parse::<u64>()
                    .ok()
                    .filter(|s| (1..=3600).contains(s))
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        format!("--seconds must be a whole number from 1 to 3600, not {text:?}")
                    })?;
            }
            "--held" => {
                let text = value("--held")?;
                plan.held = text
                    .parse()
                    .ok()
                    .filter(|n| (1..=20_000).contains(n))
                    .ok_or_else(|| {
                        format!("--held must be a whole number from 1 to 20000, not {text:?}")
                    })?;
            }
            "--out" => out = PathBuf::from(value("--out")?),
            other => return Err(format!("unexpected argument after soak: {other:?}")),
        }
    }
    if plan.protocol == Protocol::Http && plan.duration > HTTP_LONGEST {
        if seconds_given {
            return Err(format!(
                "--seconds may be at most {} for an HTTP server: it closes connections idle for 60 s, \
                 and the held ones are idle",
                HTTP_LONGEST.as_secs()
            ));
        }
        plan.duration = HTTP_LONGEST;
    }
    Ok((plan, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<(SoakPlan, PathBuf), String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args)
    }

    #[test]
    fn the_protocol_follows_the_server() -> Result<(), String> {
        let (plan, _) = parse_args(&["--short"])?;
        assert_eq!(plan.protocol, Protocol::Echo);
        let (plan, _) = parse_args(&["--short", "--server", crate::http::GHETTO])?;
        assert_eq!(plan.protocol, Protocol::Http);
        assert_eq!(plan.duration, SoakPlan::short().duration);
        let (plan, _) = parse_args(&["--server", "ch15-reactor"])?;
        assert_eq!(plan.protocol, Protocol::Echo);
        assert_eq!(plan.duration, SoakPlan::long().duration);
        Ok(())
    }

    #[test]
    fn an_http_soak_stays_under_the_servers_idle_timeout() -> Result<(), String> {
        let (plan, _) = parse_args(&["--server", crate::http::GHETTO])?;
        assert_eq!(plan.duration, HTTP_LONGEST);
        let (plan, _) = parse_args(&["--server", crate::http::GHETTO, "--seconds", "30"])?;
        assert_eq!(plan.duration, Duration::from_secs(30));
        let Err(e) = parse_args(&["--server", crate::http::GHETTO, "--seconds", "120"]) else {
            return Err("a two-minute HTTP soak was accepted".into());
        };
        assert!(e.contains("idle"), "{e}");
        assert!(parse_args(&["--server", "nonesuch"]).is_err());
        Ok(())
    }
}

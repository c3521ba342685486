//! The chapter's demo: the same client against a server that polls with
//! interval 0, then 30 ms; what each costs in CPU and in latency (chapter 03).
//!
//! Each server runs for about a second with ten idle clients and one client
//! that sends a line every 50 to 150 ms and times the echo. The server's thread
//! measures its own CPU time (`getrusage(RUSAGE_THREAD)`).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use course::Timeline;
use course::testing::PATIENCE;

use crate::server::{Report, Server};

/// The intervals the demo compares.
pub const INTERVALS: [Duration; 2] = [Duration::ZERO, Duration::from_millis(30)];

/// Round trips the active client makes against each server.
pub const ROUND_TRIPS: usize = 10;

/// How long the active client pauses before its first line; before each
/// later line it pauses [`PAUSE_STEP`] longer. It speaks now and then, like
/// a person or a service: the pauses are the client's behaviour, not a way
/// to synchronise anything.
const PAUSE: Duration = Duration::from_millis(50);

/// Growing the pause by 11 ms each time makes the lines arrive at different
/// moments of a 30 ms sleep (11 and 30 have no common factor), instead of
/// always at the same one: the measured latencies spread over the interval.
const PAUSE_STEP: Duration = Duration::from_millis(11);

/// Clients that connect and never say a word: every round asks each of them
/// "anything?" anyway.
pub const IDLE_CLIENTS: usize = 10;

/// What one server cost.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// The server's polling interval.
    pub interval: Duration,
    /// Every round trip the active client timed, sorted.
    pub round_trips: Vec<Duration>,
    /// What the server's run measured.
    pub report: Report,
}

impl Measurement {
    /// The middle round trip.
    pub fn median(&self) -> Duration {
        self.round_trips[self.round_trips.len() / 2]
    }

    /// The slowest round trip.
    pub fn slowest(&self) -> Duration {
        self.round_trips[self.round_trips.len() - 1]
    }

    /// The server's CPU time as a share of one core over its run.
    pub fn cpu_share(&self) -> f64 {
        self.report.cpu.total().as_secs_f64() / self.report.wall.as_secs_f64()
    }
}

/// Runs the demo with [`INTERVALS`].
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    compare(timeline, &INTERVALS).map(|_| ())
}

/// Measures a server with each of `intervals` in turn, logs each, and ends
/// with the comparison of the first and the last.
pub fn compare(timeline: &Timeline, intervals: &[Duration]) -> anyhow::Result<Vec<Measurement>> {
    let mut results = Vec::new();
    for &interval in intervals {
        results.push(measure(timeline, interval)?);
    }
    if let [fast, .., slow] = &results[..] {
        timeline.log(
            "demo",
            format!(
                "interval {}: {} per round trip for {:.0}% of a core; interval {}: {} per round trip for {:.1}%",
                ms(fast.interval),
                ms(fast.median()),
                fast.cpu_share() * 100.0,
                ms(slow.interval),
                ms(slow.median()),
                slow.cpu_share() * 100.0,
            ),
        );
    }
    Ok(results)
}

/// Runs one server with `interval` against the demo's clients.
pub fn measure(timeline: &Timeline, interval: Duration) -> anyhow::Result<Measurement> {
    let mut server = Server::bind(SocketAddr::from(([127, 0, 0, 1], 0)), interval)?;
    let addr = server.local_addr()?;
    let stopper = server.stopper();
    timeline.log(
        "server",
        format!(
            "polling {addr} on one thread, sleeping {} after a round with nothing to do",
            ms(interval)
        ),
    );
    let running = thread::spawn(move || server.run(&|_| {}));

    let idle = (0..IDLE_CLIENTS)
        .map(|_| TcpStream::connect(addr))
        .collect::<Result<Vec<_>, _>>()
        .context("connecting the idle clients")?;
    let round_trips = ping(addr);
    // Stop the server even if the client failed, so that no thread is left
    // spinning; then report whichever went wrong.
    stopper.stop();
    let report = running
        .join()
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))??;
    let mut round_trips = round_trips?;
    drop(idle);
    round_trips.sort();

    let m = Measurement {
        interval,
        round_trips,
        report,
    };
    timeline.log(
        "client",
        format!(
            "{} round trips: median {}, slowest {}",
            m.round_trips.len(),
            ms(m.median()),
            ms(m.slowest())
        ),
    );
    let c = &report.counts;
    timeline.log(
        "server",
        format!(
            "used {} of CPU in {:.2} s, {:.1}% of a core (user {}, system {})",
            ms(report.cpu.total()),
            report.wall.as_secs_f64(),
            m.cpu_share() * 100.0,
            ms(report.cpu.user),
            ms(report.cpu.system),
        ),
    );
    timeline.log(
        "server",
        format!(
            "{} rounds, {} of them idle; {} reads said WouldBlock",
            c.rounds, c.idle_rounds, c.reads_would_block
        ),
    );
    Ok(m)
}

/// The active client: [`ROUND_TRIPS`] lines, each after a pause, each timed
/// from just before the write to just after the echo is read.
fn ping(addr: SocketAddr) -> anyhow::Result<Vec<Duration>> {
    let mut stream = TcpStream::connect(addr).context("connecting the active client")?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    let mut lines = BufReader::new(stream.try_clone()?);
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for i in 0..ROUND_TRIPS {
        thread::sleep(PAUSE + PAUSE_STEP * i as u32);
        let line = format!("ping {i}\n");
        let start = Instant::now();
        stream.write_all(line.as_bytes())?;
        let mut back = String::new();
        lines.read_line(&mut back).context("waiting for an echo")?;
        let took = start.elapsed();
        if back != line {
            bail!("sent {line:?}, got {back:?} back");
        }
        times.push(took);
    }
    Ok(times)
}

/// A duration in milliseconds, with as many decimals as make it readable.
fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 10.0 || ms == 0.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.3} ms")
    }
}

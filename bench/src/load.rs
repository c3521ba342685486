//! The load generator: N connections echoing in a closed loop, or held idle,
//! or both at once (a few busy connections among many idle ones).
//!
//! It runs on one thread pinned to one CPU, on a tokio current-thread
//! runtime. Tokio here is the load, not the subject: every server gets the
//! same client, so the client's own cost is the same in every cell. (With a
//! fast server the client can become the bottleneck; the split pinning gives
//! it a CPU of its own so that happens as late as possible.)
//!
//! "Closed loop" means each connection sends one message, waits for the whole
//! echo, and only then sends the next: the offered load adapts to the server,
//! and the round trips per second measure how fast it turns requests around.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::cpu_time;
use crate::failures::{Failure, Failures};
use crate::pin::pin_current_thread;
use crate::stats::percentile;

/// How many connections may be opening at once.
///
/// A connection counts as open when its first echo came back, so the server
/// has accepted it and is serving it. Keeping fewer than the smallest listen
/// backlog (128 in the chapters) in flight means no SYN is ever dropped for a
/// full accept queue, which would cost a one-second retransmit each.
const OPEN_IN_FLIGHT: usize = 64;

/// How long each step of opening one connection (the connect, then the
/// first echo) may take.
const OPEN_LIMIT: Duration = Duration::from_secs(10);

/// How long one round trip may take before it counts as a stall.
const ROUND_TRIP_LIMIT: Duration = Duration::from_secs(5);

/// A closed-loop echo load.
#[derive(Debug, Clone)]
pub struct EchoLoad {
    /// The server.
    pub addr: SocketAddr,
    /// How many connections echo at once.
    pub connections: usize,
    /// Idle connections opened before the busy ones and held beside them
    /// until the end: each echoes one byte (proof that the server serves
    /// it), then stays silent. 0 for a plain echo load.
    pub idle: usize,
    /// Bytes per message.
    pub message: usize,
    /// Time echoing before the clock starts (not counted).
    pub warmup: Duration,
    /// Time counted.
    pub measure: Duration,
    /// The CPU the load's thread is pinned to.
    pub cpu: usize,
    /// The server, to measure its CPU use and the noise around it
    /// (`None`: measure only the load's own CPU use).
    pub watch: Option<Watch>,
}

/// The server process an echo load measures the CPU use of.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    /// Its process id.
    pub pid: u32,
    /// The CPU it is pinned to.
    pub cpu: usize,
}

/// What one closed-loop run measured.
#[derive(Debug, Clone)]
pub struct EchoOutcome {
    /// Busy connections that opened and echoed once.
    pub established: usize,
    /// Idle connections that opened, echoed once and were held open.
    pub idle: usize,
    /// Round trips completed inside the counted window.
    pub round_trips: u64,
    /// The counted window, in seconds.
    pub seconds: f64,
    /// Latency percentiles of those round trips, `None` if there were none.
    pub latency: Option<Latency>,
    /// Everything that went wrong, opening included.
    pub failures: Failures,
    /// CPU use during the counted window, if it could be read.
    pub cpu: Option<CpuUse>,
}

/// CPU use during the counted window, as a fraction of one CPU (1.0 = it
/// ran the whole time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuUse {
    /// The load generator's thread.
    pub load: f64,
    /// The server process (all its threads).
    pub server: Option<f64>,
    /// Everything else that ran on the server's and the load's CPUs: other
    /// processes, and time the hypervisor took. The noise in this cell.
    pub others: Option<f64>,
}

/// Round-trip latency percentiles, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
}

impl EchoOutcome {
    /// Round trips per second in the counted window.
    pub fn rate(&self) -> f64 {
        self.round_trips as f64 / self.seconds
    }

    /// The server's CPU time per round trip, in nanoseconds: what one echo
    /// cost the server, whichever side was the bottleneck. `None` without a
    /// round trip or a CPU reading.
    pub fn server_cpu_per_round_trip(&self) -> Option<f64> {
        let share = self.cpu?.server?;
        (self.round_trips > 0).then(|| share * self.seconds * 1e9 / self.round_trips as f64)
    }
}

/// Opens the connections, echoes for warm-up plus the counted window, and
/// returns what was measured. Errors are only for the load itself (no
/// runtime, no CPU to pin to); the server's failures are counted instead.
///
/// ```
/// use std::io::{Read, Write};
/// use std::time::Duration;
/// use bench::load::{EchoLoad, run_echo};
///
/// // Any echo server will do: here a thread per connection, on std.
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let addr = listener.local_addr()?;
/// std::thread::spawn(move || {
///     for conn in listener.incoming().flatten() {
///         std::thread::spawn(move || {
///             let (mut conn, mut buf) = (conn, [0u8; 4096]);
///             while let Ok(n @ 1..) = conn.read(&mut buf) {
///                 if conn.write_all(&buf[..n]).is_err() {
///                     return;
///                 }
///             }
///         });
///     }
/// });
///
/// let outcome = run_echo(&EchoLoad {
///     addr,
///     connections: 2,
///     idle: 0,
///     message: 64,
///     warmup: Duration::from_millis(10),
///     measure: Duration::from_millis(100),
///     cpu: bench::pin::allowed_cpus()?[0],
///     watch: None,
/// })?;
/// assert_eq!(outcome.established, 2);
/// assert_eq!(outcome.failures.total(), 0);
/// println!("{:.0} round trips/s", outcome.rate());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn run_echo(load: &EchoLoad) -> io::Result<EchoOutcome> {
    let load = load.clone();
    on_pinned_runtime(load.cpu, move || echo(load, None))
}

/// [`run_echo`] that also ends when `stop` is set: each connection finishes
/// the round trip it is in, then closes. For load that must last as long
/// as something else takes (the timer figures' sleeps), not a set time.
/// The outcome counts the window up to the stop, and has no CPU reading
/// if the stop came first.
pub fn run_echo_until(load: &EchoLoad, stop: Arc<AtomicBool>) -> io::Result<EchoOutcome> {
    let load = load.clone();
    on_pinned_runtime(load.cpu, move || echo(load, Some(stop)))
}

/// An idle load: connections that echo once and then sit there.
#[derive(Debug, Clone)]
pub struct IdleLoad {
    /// The server.
    pub addr: SocketAddr,
    /// How many connections to hold.
    pub connections: usize,
    /// Bytes in the one echo that proves the server serves the connection.
    pub message: usize,
    /// The CPU the load's thread is pinned to.
    pub cpu: usize,
}

/// How opening an idle load went.
#[derive(Debug, Clone)]
pub struct IdleOutcome {
    /// Connections open (and served) when `measure` ran.
    pub established: usize,
    /// The connections that did not open, and why.
    pub failures: Failures,
}

/// Opens the connections, calls `measure` with the number that opened while
/// they are all held open and idle, then closes them.
pub fn hold_idle<T: Send>(
    load: &IdleLoad,
    measure: impl FnOnce(usize) -> T + Send,
) -> io::Result<(T, IdleOutcome)> {
    let load = load.clone();
    on_pinned_runtime(load.cpu, move || async move {
        let (streams, failures) = open_all(load.addr, load.connections, load.message).await;
        // Blocking here is fine: every connection is idle by design, and the
        // server is another process.
        let measured = measure(streams.len());
        let outcome = IdleOutcome {
            established: streams.len(),
            failures,
        };
        drop(streams);
        (measured, outcome)
    })
}

/// A fixed number of round trips on one connection, for counting what
/// each one costs the server (its system calls).
#[derive(Debug, Clone)]
pub struct CountedLoad {
    /// The server.
    pub addr: SocketAddr,
    /// Round trips after the one that opens the connection.
    pub round_trips: usize,
    /// Bytes per message.
    pub message: usize,
    /// A pause after each echo (`None`: the next message goes at once).
    pub pause: Option<Duration>,
    /// A pause after each connect, before the connection's first message
    /// (`None`: none).
    pub settle: Option<Duration>,
    /// The CPU the load's thread is pinned to.
    pub cpu: usize,
    /// Connections open at once; the round trips take them in turn, one
    /// message in flight at a time.
    pub connections: usize,
}

/// Opens `load.connections` connections, echoes `load.round_trips`
/// messages on them in turn, then calls `then` while the connections are
/// still open, so the server is stopped in the same state in every run.
/// Returns what `then` returned, or the failure that ended the round trips
/// early.
pub fn run_counted<T: Send>(
    load: &CountedLoad,
    then: impl FnOnce() -> T + Send,
) -> io::Result<Result<T, Failure>> {
    let load = load.clone();
    on_pinned_runtime(load.cpu, move || async move {
        let mut streams = Vec::new();
        for id in 0..load.connections.max(1) {
            let stream = connect(load.addr).await?;
            // The server takes a new connection in two steps: the accept,
            // then (tokio) a "writable" event for the new socket as soon as
            // it is registered. Whether that event comes alone or with the
            // first message depends on which arrives first, and moves the
            // count of waits from run to run. A pause here lets the server
            // go back to waiting first, every time.
            if let Some(settle) = load.settle {
                std::thread::sleep(settle);
            }
            streams.push(first_round_trip(stream, load.message, id).await?);
        }
        let mut sent = vec![0u8; load.message];
        let mut echoed = vec![0u8; load.message];
        for seq in 0..load.round_trips {
            fill(&mut sent, seq as u8);
            let count = streams.len();
            let stream = &mut streams[seq % count];
            timeout(ROUND_TRIP_LIMIT, round_trip(stream, &sent, &mut echoed))
                .await
                .unwrap_or(Err(Failure::Timeout))?;
            if let Some(pause) = load.pause {
                // A blocking sleep on purpose: tokio's timer rounds up to
                // whole milliseconds, and this thread has nothing else to do.
                std::thread::sleep(pause);
            }
        }
        let done = then();
        drop(streams);
        Ok(done)
    })
}

/// Runs `work` on a fresh current-thread runtime, on a thread pinned to `cpu`.
fn on_pinned_runtime<T, F, Fut>(cpu: usize, work: F) -> io::Result<T>
where
    T: Send,
    F: FnOnce() -> Fut + Send,
    Fut: Future<Output = T>,
{
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("load".to_owned())
            .spawn_scoped(scope, move || -> io::Result<T> {
                pin_current_thread(cpu)?;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .enable_time()
                    .build()?;
                Ok(runtime.block_on(work()))
            })?;
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The closed loop: open, warm up, count, close.
async fn echo(load: EchoLoad, stop: Option<Arc<AtomicBool>>) -> EchoOutcome {
    // The idle ones first, so the busy ones get the higher fds, as they
    // would in a server whose idle clients came first. Nothing reads or
    // writes them after their one echo: on this side they cost an entry in
    // tokio's epoll set, never a wakeup, so the load's cost stays the same
    // whatever their number.
    let (idle, mut failures) = open_all(load.addr, load.idle, 1).await;
    let (streams, busy_failures) = open_all(load.addr, load.connections, load.message).await;
    failures.merge(&busy_failures);
    let established = streams.len();
    let begin = Instant::now() + load.warmup;
    let window = Window {
        begin,
        end: begin + load.measure,
    };
    let sampler = tokio::spawn(sample_cpu(window, load.cpu, load.watch));
    let mut loops = JoinSet::new();
    for (id, stream) in streams.into_iter().enumerate() {
        loops.spawn(echo_loop(stream, load.message, window, stop.clone(), id));
    }
    let mut samples = Vec::new();
    while let Some(joined) = loops.join_next().await {
        match joined {
            Ok((mut conn_samples, failure)) => {
                samples.append(&mut conn_samples);
                if let Some(failure) = failure {
                    failures.record(&failure);
                }
            }
            Err(e) => failures.record(&Failure::Other(io::Error::other(e))),
        }
    }
    // Stopped early, the sampler would still wait for the window's end;
    // its reading would not cover the same time anyway. (Without a stop,
    // connections that failed early keep the whole window, as always.)
    let now = Instant::now();
    let ended = match stop {
        Some(_) if now < window.end => now,
        _ => window.end,
    };
    if ended < window.end {
        sampler.abort();
    }
    let cpu = sampler.await.ok().flatten();
    let idle_open = idle.len();
    drop(idle);
    samples.sort_unstable();
    let latency = match (
        percentile(&samples, 50.0),
        percentile(&samples, 99.0),
        percentile(&samples, 99.9),
    ) {
        (Some(p50), Some(p99), Some(p999)) => Some(Latency { p50, p99, p999 }),
        _ => None,
    };
    EchoOutcome {
        established,
        idle: idle_open,
        round_trips: samples.len() as u64,
        seconds: ended.saturating_duration_since(window.begin).as_secs_f64(),
        latency,
        failures,
        cpu,
    }
}

/// CPU use of this thread (the load), of the server and of everything else
/// on their CPUs during `window`. Runs as a task on the load's own thread,
/// so "this thread" is the load.
async fn sample_cpu(window: Window, load_cpu: usize, watch: Option<Watch>) -> Option<CpuUse> {
    /// One reading of every counter.
    struct Reading {
        wall: Instant,
        load: Duration,
        server_and_cpus: Option<(Duration, Duration)>,
    }
    let read = || -> Option<Reading> {
        let server_and_cpus = match watch {
            None => None,
            Some(w) => {
                let mut busy = cpu_time::cpu_busy(w.cpu).ok()?;
                if load_cpu != w.cpu {
                    busy += cpu_time::cpu_busy(load_cpu).ok()?;
                }
                Some((cpu_time::process(w.pid).ok()?, busy))
            }
        };
        Some(Reading {
            wall: Instant::now(),
            load: cpu_time::this_thread().ok()?,
            server_and_cpus,
        })
    };
    tokio::time::sleep_until(window.begin.into()).await;
    let start = read()?;
    tokio::time::sleep_until(window.end.into()).await;
    let end = read()?;
    // Timers can fire late on a busy thread: divide by the wall time that
    // really passed between the readings, not by the window's length.
    let wall = (end.wall - start.wall).as_secs_f64();
    let share = |start: Duration, end: Duration| end.saturating_sub(start).as_secs_f64() / wall;
    let load = share(start.load, end.load);
    let (server, others) = match (start.server_and_cpus, end.server_and_cpus) {
        (Some((server_start, busy_start)), Some((server_end, busy_end))) => {
            let server = share(server_start, server_end);
            let busy = share(busy_start, busy_end);
            (Some(server), Some((busy - server - load).max(0.0)))
        }
        _ => (None, None),
    };
    Some(CpuUse {
        load,
        server,
        others,
    })
}

/// The counted part of a run: round trips that complete in `[begin, end)`.
///
/// Counting completions (not round trips that start and end inside) is what
/// makes round trips per second unbiased: a round trip straddling an edge is
/// counted at the edge it ends at, as it would be in a longer run.
#[derive(Debug, Clone, Copy)]
struct Window {
    begin: Instant,
    end: Instant,
}

/// One connection's closed loop; returns its latency samples (ns) and the
/// failure that ended it early, if any.
async fn echo_loop(
    mut stream: TcpStream,
    size: usize,
    window: Window,
    stop: Option<Arc<AtomicBool>>,
    id: usize,
) -> (Vec<u64>, Option<Failure>) {
    let mut samples = Vec::new();
    let mut sent = vec![0u8; size];
    let mut echoed = vec![0u8; size];
    // Each message differs from the last, so a stale or reordered echo is
    // caught as corrupt instead of passing for a fresh one.
    let mut seq = id as u8;
    loop {
        let start = Instant::now();
        let stopped = stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed));
        if start >= window.end || stopped {
            return (samples, None);
        }
        fill(&mut sent, seq);
        seq = seq.wrapping_add(1);
        match timeout(
            ROUND_TRIP_LIMIT,
            round_trip(&mut stream, &sent, &mut echoed),
        )
        .await
        {
            Ok(Ok(())) => {}
            Ok(Err(failure)) => return (samples, Some(failure)),
            Err(_elapsed) => return (samples, Some(Failure::Timeout)),
        }
        let done = Instant::now();
        if done >= window.begin && done < window.end {
            samples.push(u64::try_from((done - start).as_nanos()).unwrap_or(u64::MAX));
        }
    }
}

/// Opens `n` connections, at most [`OPEN_IN_FLIGHT`] at a time, each proven
/// served by one echo of `size` bytes. Returns the open ones and the failures.
async fn open_all(addr: SocketAddr, n: usize, size: usize) -> (Vec<TcpStream>, Failures) {
    let mut opening = JoinSet::new();
    let mut streams = Vec::with_capacity(n);
    let mut failures = Failures::default();
    let mut started = 0;
    while started < n || !opening.is_empty() {
        while started < n && opening.len() < OPEN_IN_FLIGHT {
            opening.spawn(open_one(addr, size, started));
            started += 1;
        }
        match opening.join_next().await {
            Some(Ok(Ok(stream))) => streams.push(stream),
            Some(Ok(Err(failure))) => failures.record(&failure),
            Some(Err(e)) => failures.record(&Failure::Other(io::Error::other(e))),
            None => {}
        }
    }
    (streams, failures)
}

async fn open_one(addr: SocketAddr, size: usize, id: usize) -> Result<TcpStream, Failure> {
    let stream = connect(addr).await?;
    first_round_trip(stream, size, id).await
}

/// Connects, with no delay on small writes.
async fn connect(addr: SocketAddr) -> Result<TcpStream, Failure> {
    let open = async {
        let stream = TcpStream::connect(addr).await.map_err(Failure::Connect)?;
        // Each message is one write; without this, Nagle's algorithm could
        // hold a message back waiting for an ACK and measure the kernel's
        // delayed-ACK timer instead of the server.
        stream.set_nodelay(true).map_err(Failure::Other)?;
        Ok(stream)
    };
    timeout(OPEN_LIMIT, open)
        .await
        .unwrap_or(Err(Failure::Timeout))
}

/// One round trip on a new connection, which proves it is served.
async fn first_round_trip(
    mut stream: TcpStream,
    size: usize,
    id: usize,
) -> Result<TcpStream, Failure> {
    let mut sent = vec![0u8; size];
    fill(&mut sent, id as u8);
    let mut echoed = vec![0u8; size];
    timeout(OPEN_LIMIT, round_trip(&mut stream, &sent, &mut echoed))
        .await
        .unwrap_or(Err(Failure::Timeout))?;
    Ok(stream)
}

/// Writes `sent`, reads exactly as many bytes back, and checks they match.
async fn round_trip(stream: &mut TcpStream, sent: &[u8], echoed: &mut [u8]) -> Result<(), Failure> {
    stream.write_all(sent).await.map_err(Failure::from_io)?;
    stream.read_exact(echoed).await.map_err(Failure::from_io)?;
    if echoed != sent {
        return Err(Failure::Corrupt);
    }
    Ok(())
}

fn fill(message: &mut [u8], seq: u8) {
    for (i, byte) in message.iter_mut().enumerate() {
        *byte = seq.wrapping_add(i as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    fn first_cpu() -> usize {
        crate::pin::allowed_cpus().unwrap()[0]
    }

    /// A std echo server on a thread per connection, for testing the client.
    /// `corrupt` makes it flip one byte of every echo.
    fn std_echo(corrupt: bool) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = conn.read(&mut buf) {
                        if n == 0 {
                            return;
                        }
                        if corrupt {
                            buf[0] ^= 0xff;
                        }
                        if conn.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    fn load(addr: SocketAddr, connections: usize) -> EchoLoad {
        EchoLoad {
            addr,
            connections,
            idle: 0,
            message: 32,
            warmup: Duration::from_millis(20),
            measure: Duration::from_millis(200),
            cpu: first_cpu(),
            watch: Some(Watch {
                pid: std::process::id(),
                cpu: first_cpu(),
            }),
        }
    }

    #[test]
    fn a_good_server_gives_round_trips_and_no_failures() {
        let outcome = run_echo(&load(std_echo(false), 4)).unwrap();
        assert_eq!(outcome.established, 4);
        assert!(outcome.round_trips > 0);
        assert_eq!(outcome.failures.total(), 0, "{}", outcome.failures);
        let latency = outcome.latency.unwrap();
        assert!(latency.p50 <= latency.p99 && latency.p99 <= latency.p999);
        assert!(outcome.server_cpu_per_round_trip().is_some());
        let cpu = outcome.cpu.unwrap();
        assert!(cpu.load > 0.0 && cpu.server.is_some() && cpu.others.is_some());
    }

    #[test]
    fn a_corrupt_echo_is_counted_not_measured() {
        let outcome = run_echo(&load(std_echo(true), 3)).unwrap();
        assert_eq!(outcome.established, 0);
        assert_eq!(outcome.failures.corrupt, 3);
        assert_eq!(outcome.round_trips, 0);
        assert!(outcome.latency.is_none());
    }

    #[test]
    fn a_refused_connection_is_counted() {
        // Bind, learn the port, close: nothing listens there now.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let outcome = run_echo(&load(addr, 2)).unwrap();
        assert_eq!(outcome.established, 0);
        assert_eq!(outcome.failures.connect, 2);
    }

    #[test]
    fn idle_connections_beside_busy_ones_are_opened_and_held() {
        let mut load = load(std_echo(false), 3);
        load.idle = 20;
        let outcome = run_echo(&load).unwrap();
        assert_eq!((outcome.established, outcome.idle), (3, 20));
        assert!(outcome.round_trips > 0);
        assert_eq!(outcome.failures.total(), 0, "{}", outcome.failures);
    }

    #[test]
    fn idle_connections_are_all_open_while_measured() {
        let addr = std_echo(false);
        let idle = IdleLoad {
            addr,
            connections: 20,
            message: 1,
            cpu: first_cpu(),
        };
        let (seen, outcome) = hold_idle(&idle, |open| open).unwrap();
        assert_eq!(seen, 20);
        assert_eq!(outcome.established, 20);
        assert_eq!(outcome.failures.total(), 0);
    }
}

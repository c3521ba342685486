//! The chapter's claim, measured: one task's blocking call stalls every
//! client of the loop; the same call in the pool stalls none (chapter 19).
//!
//! An echo server runs on the loop. A few [`pinger`] threads ping it on
//! a schedule and time each round trip. Once every client has had an
//! echo, a task called `culprit` does blocking work: a
//! `std::thread::sleep`, standing for a slow disk, a DNS query or a lock
//! held by another thread. Either it does it right in its poll, on the
//! loop's thread ([`Place::OnTheLoop`]), or it hands it to
//! `spawn_blocking` and awaits the result ([`Place::InThePool`]). The
//! clients' worst round trip tells which.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use course::Timeline;
use ghetto_loop::blocking::spawn_blocking;
use ghetto_loop::event_loop::LoopHandle;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::sync::Event;
use ghetto_loop::task::TaskId;
use ghetto_loop::time::{sleep, timeout};

use crate::pinger;

/// The shape of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// How many client threads ping the server.
    pub clients: usize,
    /// How often each client pings.
    pub period: Duration,
    /// How long the culprit's blocking call takes.
    pub work: Duration,
    /// Normal life before the culprit starts, and after it is done.
    pub settle: Duration,
}

/// The demo's run: three clients pinging every 10 ms, 300 ms of blocking.
pub const DEMO: Scenario = Scenario {
    clients: 3,
    period: Duration::from_millis(10),
    work: Duration::from_millis(300),
    settle: Duration::from_millis(100),
};

/// Where the culprit does its blocking call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Inside its poll, on the loop's thread: the mistake.
    OnTheLoop,
    /// On a pool thread, with `spawn_blocking`; the task awaits the result.
    InThePool,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Place::OnTheLoop => "on the loop",
            Place::InThePool => "in the pool",
        })
    }
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Round trips timed, by all clients together.
    pub round_trips: usize,
    /// The median round trip.
    pub typical: Duration,
    /// The longest round trip of any client.
    pub worst: Duration,
    /// The culprit task.
    pub culprit: TaskId,
    /// How long the culprit's blocking call took, as the culprit saw it.
    pub work_took: Duration,
}

/// Runs `scenario` on the current loop with the culprit's work at
/// `place`, logging each step on `timeline`.
///
/// The culprit is spawned with the name `culprit`, so that debug mode's
/// report of a slow poll can name it.
pub async fn measure(scenario: Scenario, place: Place, timeline: &Timeline) -> io::Result<Outcome> {
    let lp = LoopHandle::current();
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let all_heard = Rc::new(Event::new());
    let server = lp.spawn_named(
        "echo server",
        echo_server(listener, scenario.clients, all_heard.clone()),
    );

    let stop = Arc::new(AtomicBool::new(false));
    let clients = (0..scenario.clients)
        .map(|_| pinger::start(addr, scenario.period, stop.clone()))
        .collect::<io::Result<Vec<_>>>()?;
    timeout(course::testing::PATIENCE, all_heard.wait())
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the clients never all connected"))?;
    sleep(scenario.settle).await;

    let work = scenario.work;
    timeline.log(
        "culprit",
        match place {
            Place::OnTheLoop => format!(
                "std::thread::sleep({} ms) right in its poll, on the loop's thread",
                work.as_millis()
            ),
            Place::InThePool => format!(
                "spawn_blocking(|| std::thread::sleep({} ms)).await: the sleep is on a pool thread",
                work.as_millis()
            ),
        },
    );
    let culprit = lp.spawn_named("culprit", culprit(place, work));
    let id = culprit.id();
    let work_took = culprit.await.map_err(io::Error::other)??;
    sleep(scenario.settle).await;

    stop.store(true, Ordering::Relaxed);
    let mut round_trips = Vec::new();
    for client in clients {
        // Joining a thread blocks until it ends, so it is done in the pool
        // too; meanwhile the loop echoes the clients' last pings.
        let joined = spawn_blocking(move || client.join())
            .await
            .map_err(io::Error::other)?;
        let times = joined.map_err(|_| io::Error::other("a client thread panicked"))??;
        round_trips.extend(times);
    }
    server.abort();
    round_trips.sort();
    Ok(Outcome {
        round_trips: round_trips.len(),
        typical: round_trips
            .get(round_trips.len() / 2)
            .copied()
            .unwrap_or_default(),
        worst: round_trips.last().copied().unwrap_or_default(),
        culprit: id,
        work_took,
    })
}

/// The culprit: `work` worth of blocking, at `place`; returns how long it
/// took.
async fn culprit(place: Place, work: Duration) -> io::Result<Duration> {
    let started = Instant::now();
    match place {
        // The mistake this chapter is about: the whole thread sleeps, and
        // the thread is every task of the loop.
        Place::OnTheLoop => std::thread::sleep(work),
        Place::InThePool => spawn_blocking(move || std::thread::sleep(work))
            .await
            .map_err(io::Error::other)?,
    }
    Ok(started.elapsed())
}

/// Echoes every connection, one task each; raises `all_heard` once
/// `clients` connections have each had an echo.
async fn echo_server(
    listener: TcpListener,
    clients: usize,
    all_heard: Rc<Event>,
) -> io::Result<()> {
    let heard = Rc::new(Cell::new(0));
    loop {
        let (stream, _) = listener.accept().await?;
        let (heard, all_heard) = (heard.clone(), all_heard.clone());
        let _detached = LoopHandle::current().spawn(async move {
            if let Ok(true) = echo(&stream).await {
                heard.set(heard.get() + 1);
                if heard.get() == clients {
                    all_heard.set();
                }
                let _ = echo_all(&stream).await;
            }
        });
    }
}

/// Echoes what arrives until end-of-file or an error.
async fn echo_all(stream: &TcpStream) -> io::Result<()> {
    while echo(stream).await? {}
    Ok(())
}

/// Echoes one read's worth; returns whether the client is still there.
async fn echo(stream: &TcpStream) -> io::Result<bool> {
    let mut buf = [0; 64];
    let n = stream.read(&mut buf).await?;
    stream.write_all(&buf[..n]).await?;
    Ok(n > 0)
}

//! The chapter's demo: past select's wall, and what every wait still costs
//! (chapter 05).
//!
//! 1. Chapter 04's server, on `poll`: 1,100 clients connect and say a line
//!    each, and all are served, fds 1,024 and up included. The first passes
//!    print the `pollfd` array `poll` was given.
//! 2. One `poll` wait, timed: finding the one ready fd among 10 idle ones,
//!    then among 5,000. Same one event, very different price.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use course::Timeline;
use ghetto_loop::sys::{Doorbell, FD_SETSIZE, Poll, Socket, raise_fd_limit};

use crate::server::{self, EchoServer};
use crate::trace::POLLFDS;
use crate::wait_cost::wait_cost;

/// How many clients act 1 connects: more than select could watch.
pub const CLIENTS: usize = 1_100;

/// The idle fds the two timed waits watch.
pub const FEW: usize = 10;
/// See [`FEW`].
pub const MANY: usize = 5_000;

/// The server's wait timeout in act 1.
const TICK: Duration = Duration::from_millis(250);

/// Runs the demo, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    let fd_limit = raise_fd_limit().context("cannot raise the open files limit")?;
    // Each client costs two fds in this process: its own end and the
    // server's. Keep clear of the limit.
    let clients = CLIENTS.min((fd_limit as usize).saturating_sub(64) / 2);
    let many = MANY.min((fd_limit as usize).saturating_sub(64));
    if clients < CLIENTS || many < MANY {
        timeline.log(
            "demo",
            format!("the open files limit is {fd_limit}: {clients} clients and {many} idle fds is as far as it goes"),
        );
    }
    act_1(timeline, clients)?;
    act_2(timeline, many)
}

/// 1,100 clients on one thread.
fn act_1(timeline: &Timeline, clients: usize) -> anyhow::Result<()> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    let mut server = EchoServer::new(Poll::new()?, listener)?;
    let log = timeline.clone();
    server.set_log(move |line| log.log("server", line));
    server.set_trace(Some(POLLFDS));
    timeline.log("server", format!("listening on {addr}, one thread, poll()"));

    let (done, done_rx) = mpsc::channel();
    let doorbell = server.doorbell();
    let client_thread = {
        let timeline = timeline.clone();
        thread::spawn(move || connect_all(addr, clients, &timeline, done, doorbell))
    };
    // The first two clients are shown pass by pass; then the log goes quiet.
    let mut quiet = false;
    let served = loop {
        server.pass(Some(TICK))?;
        if !quiet && server.clients() >= 2 {
            quiet = true;
            server.set_trace(None);
            server.set_log(|_| {});
        }
        match done_rx.try_recv() {
            Ok(served) => break served,
            Err(mpsc::TryRecvError::Empty) => continue,
            Err(mpsc::TryRecvError::Disconnected) => bail!("the client thread died"),
        }
    };
    let mut served: Vec<LineClient> = served;
    let fds = server.client_fds();
    let connected = fds.len();
    let highest = fds.iter().max().copied().unwrap_or(0);
    let beyond = fds.iter().filter(|&&fd| fd as usize >= FD_SETSIZE).count();
    timeline.log(
        "server",
        format!(
            "{connected} clients connected at once, on fds up to {highest}; {beyond} of them at {FD_SETSIZE} or above"
        ),
    );

    // The first and the last client, far apart in fd numbers, both echo.
    let (first, last) = (0, served.len() - 1);
    let mut ends = vec![served.swap_remove(last), served.swap_remove(first)];
    let check = {
        let timeline = timeline.clone();
        let doorbell = server.doorbell();
        thread::spawn(move || -> anyhow::Result<Vec<LineClient>> {
            for client in &mut ends {
                let reply = client.ask("still here")?;
                timeline.log(&client.name, format!("got {reply:?} back"));
            }
            // Done: wake the server rather than let it sleep out its timeout.
            doorbell.ring()?;
            Ok(ends)
        })
    };
    while !check.is_finished() {
        server.pass(Some(TICK))?;
    }
    let ends = check
        .join()
        .map_err(|_| anyhow::anyhow!("the check panicked"))??;
    client_thread
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))??;
    drop((served, ends));
    for _ in 0..100 {
        if server.clients() == 0 {
            break;
        }
        server.pass(Some(TICK))?;
    }
    timeline.log(
        "demo",
        format!(
            "one thread served {connected} clients with poll(); select() would have turned away the {beyond} past fd {}",
            FD_SETSIZE - 1
        ),
    );
    Ok(())
}

/// Connects `n` clients one after another, each echoing one line.
fn connect_all(
    addr: SocketAddr,
    n: usize,
    timeline: &Timeline,
    done: mpsc::Sender<Vec<LineClient>>,
    doorbell: Doorbell,
) -> anyhow::Result<()> {
    let mut clients = Vec::with_capacity(n);
    for i in 1..=n {
        let mut client = LineClient::connect(&format!("client-{i}"), addr)?;
        let line = format!("hi from client-{i}");
        let reply = client.ask(&line)?;
        if reply != line {
            bail!("client-{i}: sent {line:?}, got {reply:?}");
        }
        if i <= 2 || i == n {
            timeline.log(&client.name, format!("got {reply:?} back"));
        }
        if i == 3 {
            timeline.log(
                "clients",
                format!("... clients 3 to {} likewise ...", n - 1),
            );
        }
        clients.push(client);
    }
    done.send(clients)
        .map_err(|_| anyhow::anyhow!("the server's thread is gone"))?;
    // Wake the server so it sees the news without waiting out its timeout.
    Ok(doorbell.ring()?)
}

/// Times one wait with few and with many idle fds.
fn act_2(timeline: &Timeline, many: usize) -> anyhow::Result<()> {
    timeline.log(
        "demo",
        "timing one poll() wait that finds the one ready fd among N idle fds:",
    );
    let mut poll = Poll::new()?;
    let few = wait_cost(&mut poll, FEW)?;
    timeline.log(
        "poll",
        format!("{FEW:>5} idle fds: {:>8.1} µs per wait", micros(few)),
    );
    let lots = wait_cost(&mut poll, many)?;
    timeline.log(
        "poll",
        format!("{many:>5} idle fds: {:>8.1} µs per wait", micros(lots)),
    );
    timeline.log(
        "demo",
        format!(
            "the same one event costs {:.0}x more with {many} fds watched: poll() hands the kernel every entry, every call (chapter 06 fixes that)",
            lots.as_secs_f64() / few.as_secs_f64()
        ),
    );
    Ok(())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// A named client for the demo: course's line client, with a name for the
/// timeline and for errors. One fd each.
#[derive(Debug)]
struct LineClient {
    name: String,
    line: course::line_client::LineClient,
}

impl LineClient {
    fn connect(name: &str, addr: SocketAddr) -> anyhow::Result<LineClient> {
        let line = course::line_client::LineClient::connect(addr)
            .with_context(|| format!("{name}: connect"))?;
        Ok(LineClient {
            name: name.to_owned(),
            line,
        })
    }

    /// Sends `line` and returns the line that comes back.
    fn ask(&mut self, line: &str) -> anyhow::Result<String> {
        self.line
            .ask(line)
            .map_err(|e| anyhow::anyhow!("{}: {e}", self.name))
    }
}

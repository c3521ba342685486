//! The chapter's demo (chapter 06), in three acts:
//!
//! 1. Level- and edge-triggered epoll, side by side, on a socket that is
//!    read in small bites and never drained.
//! 2. The same echo server, code unchanged, on select, poll and epoll.
//! 3. A measured table: the cost of one wait that finds the one ready fd
//!    among 10, 100, 1,000 and 5,000 idle ones, per backend.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use course::Timeline;
use course::testing::PATIENCE;
use ghetto_loop::sys::{SelectorKind, Socket, raise_fd_limit};

use crate::server::EchoServer;
use crate::triggers;
use crate::wait_cost::wait_cost;

/// Act 2: how many clients, and how many lines each sends.
pub const CLIENTS: usize = 100;
/// See [`CLIENTS`].
pub const LINES: usize = 10;

/// Act 3: the idle fd counts of the table's rows.
pub const IDLE_FDS: [usize; 4] = [10, 100, 1_000, 5_000];

/// One cell of the table: a time, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// The median time of one wait.
    Measured(Duration),
    /// The backend refused an fd (select at 1,024), with what it said.
    Refused(String),
}

/// Runs the demo, logging every step on `timeline`; returns the table.
pub fn run(timeline: &Timeline) -> anyhow::Result<Vec<(usize, Vec<Cell>)>> {
    let fd_limit = raise_fd_limit().context("cannot raise the open files limit")?;

    timeline.log(
        "demo",
        "act 1: the client sends 12 bytes; each event, we read 5",
    );
    let (level, edge) = triggers::show(timeline)?;
    timeline.log(
        "demo",
        format!(
            "level-triggered told us {} times and we read it all; edge-triggered told us {} time and went quiet with {} bytes unread",
            level.events, edge.events, edge.unread_when_silent
        ),
    );

    timeline.log(
        "demo",
        format!("act 2: one echo server, {CLIENTS} clients x {LINES} lines, on each backend"),
    );
    for kind in SelectorKind::ALL {
        let took = same_server(kind)?;
        timeline.log(
            kind.name(),
            format!(
                "{} lines echoed to {CLIENTS} clients in {:.3} s",
                CLIENTS * LINES,
                took.as_secs_f64()
            ),
        );
    }

    timeline.log(
        "demo",
        "act 3: one wait that finds the one ready fd among N idle fds (median, µs)",
    );
    if cfg!(debug_assertions) {
        timeline.log(
            "demo",
            "(a debug build: the kernel's share is the same, our own loops are slower; `cargo run --release -p ch06-epoll` for optimised figures)",
        );
    }
    timeline.log(
        "table",
        format!(
            "{:>9} {:>10} {:>10} {:>10}",
            "idle fds", "select", "poll", "epoll"
        ),
    );
    let mut table = Vec::new();
    for idle in IDLE_FDS {
        if idle as u64 + 64 > fd_limit {
            timeline.log(
                "table",
                format!("{idle:>9} (skipped: the open files limit is {fd_limit})"),
            );
            continue;
        }
        let mut row = Vec::new();
        for kind in SelectorKind::ALL {
            let mut selector = kind.open()?;
            row.push(match wait_cost(&mut *selector, idle) {
                Ok(cost) => Cell::Measured(cost),
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => Cell::Refused(e.to_string()),
                Err(e) => return Err(e.into()),
            });
        }
        let shown: Vec<String> = row
            .iter()
            .map(|cell| match cell {
                Cell::Measured(d) => format!("{:>10.1}", d.as_secs_f64() * 1e6),
                Cell::Refused(_) => format!("{:>10}", "refused"),
            })
            .collect();
        timeline.log("table", format!("{idle:>9} {}", shown.join(" ")));
        table.push((idle, row));
    }
    if let Some(cells) = table.iter().find_map(|(_, row)| {
        row.iter().find_map(|c| match c {
            Cell::Refused(why) => Some(why.clone()),
            Cell::Measured(_) => None,
        })
    }) {
        timeline.log("table", format!("refused: {cells}"));
    }
    conclude(timeline, &table);
    Ok(table)
}

/// The growth of each backend's cost from the first row to the last.
fn conclude(timeline: &Timeline, table: &[(usize, Vec<Cell>)]) {
    let (Some((few, first)), Some((many, last))) = (table.first(), table.last()) else {
        return;
    };
    let growth = |i: usize| match (&first[i], &last[i]) {
        (Cell::Measured(a), Cell::Measured(b)) => Some(b.as_secs_f64() / a.as_secs_f64()),
        _ => None,
    };
    let (poll, epoll) = (growth(1), growth(2));
    if let (Some(poll), Some(epoll)) = (poll, epoll) {
        timeline.log(
            "demo",
            format!(
                "from {few} to {many} idle fds, one poll() wait got {poll:.0}x dearer, one epoll_wait {epoll:.1}x: epoll's cost follows the ready fds, not the watched ones"
            ),
        );
    }
}

/// Runs the echo server on a `kind` selector and `CLIENTS` clients against
/// it; returns how long the clients took.
fn same_server(kind: SelectorKind) -> anyhow::Result<Duration> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 1024)?;
    let mut server = EchoServer::new(kind.open()?, listener)?;
    let addr = server.local_addr()?;
    let stop = server.stopper();
    let server = {
        let stop = stop.clone();
        thread::spawn(move || server.run_until_stopped(&stop, None))
    };
    let result = clients(addr);
    stop.stop()?;
    server
        .join()
        .map_err(|_| anyhow::anyhow!("the {kind} server panicked"))??;
    result
}

/// All clients connect, then all send line 1, all read it back, and so on:
/// every line, the server has `CLIENTS` ready fds at once.
fn clients(addr: SocketAddr) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        let stream = TcpStream::connect(addr).context("connect")?;
        stream.set_read_timeout(Some(PATIENCE))?;
        clients.push(BufReader::new(stream));
    }
    for line in 0..LINES {
        for (n, client) in clients.iter_mut().enumerate() {
            client
                .get_ref()
                .write_all(format!("{n}:{line}\n").as_bytes())?;
        }
        for (n, client) in clients.iter_mut().enumerate() {
            let mut got = String::new();
            client.read_line(&mut got)?;
            if got != format!("{n}:{line}\n") {
                bail!("client {n} sent line {line} and got {got:?} back");
            }
        }
    }
    Ok(started.elapsed())
}

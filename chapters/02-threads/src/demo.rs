//! The chapter's demo: 1, 100, then 1000 idle clients, each with a thread of
//! its own, and what they cost (chapter 02).
//!
//! Every client connects, gets one echo (so its thread is surely running),
//! and then sits idle, the way most connections of a chat or a web server
//! spend their lives. After each step the demo reads the process's thread
//! count and memory from `/proc`. The server runs in this process; the
//! clients are plain sockets here too, which hold no memory in user space,
//! so the growth is the server's threads.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, mpsc};
use std::thread;

use anyhow::{Context, bail};
use course::Timeline;
use course::testing::PATIENCE;
use ghetto_loop::sys::{Socket, raise_fd_limit, stack_limit};

use crate::footprint::{Bytes, Footprint};
use crate::server;

/// How many clients are connected after each step.
pub const STEPS: [usize; 3] = [1, 100, 1000];

/// The C10K problem's N: ten thousand clients at once.
const C10K: u64 = 10_000;

/// Runs the demo with [`STEPS`].
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    run_steps(timeline, &STEPS)
}

/// Runs the demo, growing to each number of clients in `steps` in turn.
pub fn run_steps(timeline: &Timeline, steps: &[usize]) -> anyhow::Result<()> {
    let steps = fit_under_the_fd_limit(timeline, steps)?;
    let total = steps.last().copied().unwrap_or(0);

    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    // The same loop as `serve_forever`, stopped after the demo's clients so
    // that no thread outlives the demo. Per-client events are not logged:
    // a thousand lines would hide the point.
    let (stop, stopped) = mpsc::channel::<()>();
    let acceptor = thread::spawn(move || -> io::Result<()> {
        let quiet: server::Log = Arc::new(|_| {});
        for _ in 0..total {
            server::serve_next(&listener, &quiet)?;
        }
        // Stay until the demo is done, so that the thread count measures
        // the clients' threads only.
        let _ = stopped.recv();
        Ok(())
    });
    timeline.log(
        "server",
        format!(
            "listening on {addr}; one thread per client, each with a {} stack",
            Bytes(server::STACK_SIZE as u64)
        ),
    );

    let before = Footprint::now()?;
    timeline.log(
        "demo",
        format!(
            "{:<18} {before}  (this thread and the accepting one)",
            "no clients yet:"
        ),
    );

    let mut clients = Vec::with_capacity(total);
    // (clients, footprint) after each step, starting from no clients.
    let mut readings = vec![(0, before)];
    for &target in &steps {
        while clients.len() < target {
            let name = format!("client-{}", clients.len() + 1);
            clients.push(connect_and_echo(addr, &name).with_context(|| name.clone())?);
        }
        let now = Footprint::now()?;
        let plural = if target == 1 { "" } else { "s" };
        let label = format!("{target} idle client{plural}:");
        timeline.log("demo", format!("{label:<18} {now}"));
        readings.push((target, now));
    }

    // The cost of one more client, from the last two steps. (From zero, the
    // first threads also pay one-off costs: the C library gives the first
    // few threads malloc arenas of their own, 64 MiB of address space each.)
    let [.., (n0, from), (n1, to)] = readings[..] else {
        bail!("no clients: nothing to measure");
    };
    let added = (n1 - n0) as u64;
    let per_client = |now: u64, then: u64| now.saturating_sub(then) / added;
    let resident = per_client(to.resident, from.resident);
    timeline.log(
        "demo",
        format!(
            "from {n0} to {n1} clients, each one added {:.2} threads, {} of address space and {} of RAM",
            to.threads.saturating_sub(from.threads) as f64 / added as f64,
            Bytes(per_client(to.virtual_size, from.virtual_size)),
            Bytes(resident),
        ),
    );
    let main_stack = match stack_limit()? {
        Some(bytes) => Bytes(bytes).to_string(),
        None => "unlimited".to_owned(),
    };
    timeline.log(
        "demo",
        format!(
            "stacks: {} per client thread (STACK_SIZE, given to Builder::stack_size), {main_stack} for the main thread (ulimit -s)",
            Bytes(server::STACK_SIZE as u64)
        ),
    );

    // Hang up every client; each server thread reads end-of-file and ends.
    drop(clients);
    let ended = course::testing::wait_until(PATIENCE, || {
        Footprint::now().is_ok_and(|f| f.threads <= before.threads)
    });
    let after = Footprint::now()?;
    if !ended {
        bail!("every client left, but the process still has {after}");
    }
    timeline.log(
        "demo",
        format!(
            "{:<18} {after}  (each thread ended with its client)",
            "all clients gone:"
        ),
    );
    drop(stop);
    acceptor
        .join()
        .map_err(|_| anyhow::anyhow!("the accepting thread panicked"))??;
    timeline.log(
        "demo",
        format!(
            "C10K: {C10K} clients = {C10K} threads, {} of stacks reserved and about {} of RAM at the measured rate",
            Bytes(C10K * server::STACK_SIZE as u64),
            Bytes(C10K * resident),
        ),
    );
    Ok(())
}

/// Connects, sends a line and waits for it to come back: after this, the
/// client's thread on the server is running (and now blocked in `read`).
fn connect_and_echo(addr: SocketAddr, name: &str) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    let line = format!("hello from {name}\n");
    stream.write_all(line.as_bytes())?;
    let mut back = String::new();
    match BufReader::new(&stream).read_line(&mut back) {
        Ok(_) if back == line => Ok(stream),
        Ok(0) => bail!("the server closed the connection (could it start a thread?)"),
        Ok(_) => bail!("sent {line:?}, got {back:?} back"),
        Err(e) => Err(e).context("no echo"),
    }
}

/// Each client takes two fds in this process (its end and the server's
/// end). Raises the soft limit on open files to the hard one and, if the
/// steps still do not fit, stops at what does.
fn fit_under_the_fd_limit(timeline: &Timeline, steps: &[usize]) -> anyhow::Result<Vec<usize>> {
    let limit = raise_fd_limit()?;
    // Leave room for stdio, the listener and whatever the runtime opened.
    let fit = usize::try_from(limit.saturating_sub(64) / 2).unwrap_or(usize::MAX);
    let mut fitting: Vec<usize> = steps.iter().map(|&n| n.min(fit)).collect();
    fitting.dedup();
    if fitting.as_slice() != steps {
        timeline.log(
            "demo",
            format!(
                "the open-files limit is {limit}, so at most {fit} clients fit: stopping there"
            ),
        );
    }
    Ok(fitting)
}

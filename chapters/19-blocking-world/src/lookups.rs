//! DNS and files in the pool, and the pool itself, counted (chapter 19).
//!
//! Neither a name lookup nor a file read has an fd the selector could wait
//! on. `getaddrinfo` is one blocking C call that may ask a DNS server and
//! wait for it; a regular file is always "ready", and its `read` then
//! waits for the disk anyway. So both go to a pool thread, and the task
//! awaits the result, as it would await a socket.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use course::Timeline;
use ghetto_loop::blocking::{self, Pool, lookup_host, spawn_blocking};
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::task;
use ghetto_loop::time::sleep;

/// What [`resolve_and_connect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The addresses the name resolved to, in `getaddrinfo`'s order.
    pub ips: Vec<IpAddr>,
    /// How long the lookup took, on its pool thread and back.
    pub took: Duration,
    /// The address `connect_host` ended up connected to.
    pub connected: SocketAddr,
}

/// Resolves `name` in the pool, then connects by that name to a listener
/// of ours on 127.0.0.1.
///
/// `connect_host` tries the addresses in order: if `name` gives `::1`
/// first, that attempt is refused (nothing listens there) and the next
/// one connects.
pub async fn resolve_and_connect(name: &str) -> io::Result<Resolved> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let port = listener.local_addr()?.port();
    let accepted = task::spawn(async move { listener.accept().await.map(|_| ()) });

    let started = Instant::now();
    let addrs = lookup_host(name, port).await?;
    let took = started.elapsed();
    let stream = TcpStream::connect_host(name, port).await?;
    accepted.await.map_err(io::Error::other)??;
    Ok(Resolved {
        ips: addrs.iter().map(|a| a.ip()).collect(),
        took,
        connected: stream.peer_addr()?,
    })
}

/// Writes `contents` to `path`, reads it back and removes the file, each
/// step in the pool; returns what was read.
pub async fn file_round_trip(path: &Path, contents: Vec<u8>) -> io::Result<Vec<u8>> {
    blocking::fs::write(path, contents).await?;
    let back = blocking::fs::read(path).await;
    // Removing is a system call on the disk too: the pool again. It runs
    // even when the read failed, so no file is left behind.
    let owned = path.to_owned();
    spawn_blocking(move || std::fs::remove_file(owned))
        .await
        .map_err(io::Error::other)??;
    back
}

/// A pool's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolView {
    /// Threads alive.
    pub threads: usize,
    /// Of those, how many wait for a job.
    pub idle: usize,
    /// Jobs waiting for a thread.
    pub queued: usize,
}

impl PoolView {
    /// `pool`'s counters, now.
    pub fn of(pool: &Pool) -> PoolView {
        PoolView {
            threads: pool.threads(),
            idle: pool.idle_threads(),
            queued: pool.queue_depth(),
        }
    }
}

/// What [`slow_disk`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlowDisk {
    /// The pool a moment after every read was handed to it.
    pub busy: PoolView,
    /// Until the last read was done.
    pub took: Duration,
    /// The reads' results, in the order they were handed in.
    pub results: Vec<usize>,
}

/// Hands `reads` blocking "reads" of `each` (a `thread::sleep` standing for
/// a slow disk) to `pool` at once, looks at the pool after `each / 2` (and
/// says what it saw on `timeline`), and waits for them all.
///
/// With a pool of `n` threads this takes at least `ceil(reads / n)` times
/// `each`: a full pool queues the rest, it does not start more threads.
pub async fn slow_disk(
    pool: &Pool,
    reads: usize,
    each: Duration,
    timeline: &Timeline,
) -> io::Result<SlowDisk> {
    let started = Instant::now();
    let jobs: Vec<_> = (0..reads)
        .map(|i| {
            pool.spawn(move || {
                std::thread::sleep(each);
                i
            })
        })
        .collect();
    sleep(each / 2).await;
    let busy = PoolView::of(pool);
    timeline.log(
        "pool",
        format!(
            "{} ms in: {} thread(s) busy, {} read(s) queued",
            (each / 2).as_millis(),
            busy.threads - busy.idle,
            busy.queued
        ),
    );
    let mut results = Vec::with_capacity(reads);
    for job in jobs {
        results.push(job.await.map_err(io::Error::other)?);
    }
    Ok(SlowDisk {
        busy,
        took: started.elapsed(),
        results,
    })
}

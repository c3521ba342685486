//! The chapter's demo, in four parts (chapter 19):
//!
//! 1. a task that blocks stalls every client of an echo server, and debug
//!    mode names it; the same work in `spawn_blocking` stalls nobody;
//! 2. DNS and a file in the pool, and a small pool that queues;
//! 3. a hash of a big buffer on the loop's thread, then on two pool
//!    threads;
//! 4. a short stall traced, and the trace read back.
//!
//! Each part runs on a loop of its own, so that one part's debug mode or
//! trace does not leak into the next.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use anyhow::bail;
use course::Timeline;
use ghetto_loop::blocking::Pool;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::time::sleep;

use crate::hashing::{self, Comparison};
use crate::lookups::{self, PoolView};
use crate::stall::{self, Place, Scenario};
use crate::tracefile;

/// Bytes hashed in part 3: a quarter of a second or so in a debug build.
pub const HASH_BYTES: usize = 48 << 20;

/// Pool threads (and parts) the hash of part 3 is split across.
pub const HASH_PARTS: usize = 2;

/// The stall traced in part 4: short, so the trace stays small.
pub const TRACED: Scenario = Scenario {
    clients: 1,
    period: Duration::from_millis(10),
    work: Duration::from_millis(100),
    settle: Duration::from_millis(30),
};

/// Runs the four parts, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    stall_part(timeline)?;
    pool_part(timeline)?;
    hash_part(timeline)?;
    trace_part(timeline)
}

/// Part 1: the culprit on the loop, then in the pool; debug mode on.
fn stall_part(timeline: &Timeline) -> anyhow::Result<()> {
    let s = stall::DEMO;
    let lp = EventLoop::new()?;
    lp.set_debug(true);
    let reports = Rc::new(RefCell::new(Vec::new()));
    let (sink, log) = (reports.clone(), timeline.clone());
    lp.set_report_handler(move |report| {
        log.log("debug", report);
        sink.borrow_mut().push(report.clone());
    });
    timeline.log(
        "stall",
        format!(
            "an echo server on the loop, {} client threads pinging it every {} ms; debug mode on (slow poll: {} ms)",
            s.clients,
            s.period.as_millis(),
            lp.slow_callback_duration().as_millis()
        ),
    );
    for place in [Place::OnTheLoop, Place::InThePool] {
        let seen_before = reports.borrow().len();
        let out = lp.block_on(stall::measure(s, place, timeline))??;
        let slow_reports = reports.borrow().len() - seen_before;
        timeline.log(
            "stall",
            format!(
                "{place}: {} round trips, typical {}, worst {}; the culprit's sleep took {}",
                out.round_trips,
                ms(out.typical),
                ms(out.worst),
                ms(out.work_took)
            ),
        );
        match place {
            Place::OnTheLoop if slow_reports == 0 => bail!("debug mode did not report the culprit"),
            Place::OnTheLoop => timeline.log(
                "stall",
                "every client waited for the culprit: one thread runs every task",
            ),
            Place::InThePool if slow_reports > 0 => bail!("a slow poll with the work in the pool"),
            Place::InThePool => timeline.log(
                "stall",
                "the same sleep, and nobody waited for it but the culprit; debug mode had nothing to say",
            ),
        }
    }
    Ok(())
}

/// Part 2: DNS, a file, and a pool of two given five slow reads.
fn pool_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let found = lp.block_on(lookups::resolve_and_connect("localhost"))??;
    let ips: Vec<String> = found.ips.iter().map(|ip| ip.to_string()).collect();
    timeline.log(
        "dns",
        format!(
            "lookup_host(\"localhost\") in the pool: {} ({})",
            ips.join(", "),
            ms(found.took)
        ),
    );
    timeline.log(
        "dns",
        format!(
            "connect_host(\"localhost\", port) tried them in that order: connected to {}",
            found.connected
        ),
    );

    let path = std::env::temp_dir().join(format!("ch19-blocking-world-{}.txt", std::process::id()));
    let contents: Vec<u8> = hashing::make_buffer(64 * 1024).to_vec();
    let back = lp.block_on(lookups::file_round_trip(&path, contents.clone()))??;
    if back != contents {
        bail!("the file read back is not what was written");
    }
    timeline.log(
        "file",
        "fs::write, fs::read, remove_file of a 64 KiB temp file, each in the pool: the same bytes back",
    );
    let global = PoolView::of(Pool::global());
    timeline.log(
        "pool",
        format!(
            "spawn_blocking's pool now: {} thread(s), {} idle, {} queued (threads stay 10 s after their last job)",
            global.threads, global.idle, global.queued
        ),
    );

    let (threads, keep_alive, reads, each) =
        (2, Duration::from_millis(100), 5, Duration::from_millis(50));
    let small = Pool::new(threads, keep_alive);
    timeline.log(
        "pool",
        format!(
            "a pool of at most {threads} threads given {reads} reads of {} ms at once (a thread::sleep for a slow disk)",
            each.as_millis()
        ),
    );
    let disk = lp.block_on(lookups::slow_disk(&small, reads, each, timeline))??;
    timeline.log(
        "pool",
        format!(
            "all {reads} done in {}: rounds of {threads}; a full pool queues, it never starts more threads",
            ms(disk.took)
        ),
    );
    lp.block_on(sleep(keep_alive * 2))?;
    timeline.log(
        "pool",
        format!(
            "{} ms later: {} thread(s) left (keep-alive {} ms)",
            (keep_alive * 2).as_millis(),
            small.threads(),
            keep_alive.as_millis()
        ),
    );
    Ok(())
}

/// Part 3: the hash on the loop, then on pool threads.
fn hash_part(timeline: &Timeline) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let buf = hashing::make_buffer(HASH_BYTES);
    timeline.log(
        "hash",
        format!(
            "FNV-1a of {} MiB in {HASH_PARTS} parts, a ticker task beside it every {} ms; this machine has {cores} core(s)",
            HASH_BYTES >> 20,
            hashing::TICK.as_millis()
        ),
    );
    let lp = EventLoop::new()?;
    let c: Comparison = lp.block_on(hashing::compare(buf, HASH_PARTS, timeline))??;
    if c.on_the_loop.hash != c.in_the_pool.hash {
        bail!("the two ways gave different hashes: {c:?}");
    }
    let pool_cores = c.in_the_pool.cores_busy();
    timeline.log(
        "hash",
        if pool_cores >= 1.5 {
            format!("{:.1}x as fast, and the loop free throughout", c.speed_up())
        } else {
            format!(
                "{:.1}x as fast: the pool threads got {pool_cores:.1} core(s), as something else is using this machine; the loop was free throughout anyway",
                c.speed_up()
            )
        },
    );
    timeline.log(
        "hash",
        "in Python, two threads running a hash written in Python would take turns on the GIL: no faster than one",
    );
    Ok(())
}

/// Part 4: a short stall, traced, and the trace counted.
fn trace_part(timeline: &Timeline) -> anyhow::Result<()> {
    let path = std::env::temp_dir().join(format!(
        "ch19-blocking-world-{}.trace.json",
        std::process::id()
    ));
    timeline.log(
        "trace",
        format!(
            "trace_to(a temp file), then a {} ms stall with {} client",
            TRACED.work.as_millis(),
            TRACED.clients
        ),
    );
    let summary = tracefile::trace_a_stall(&path, TRACED)?;
    let counts: Vec<String> = summary
        .by_cat
        .iter()
        .map(|(cat, n)| format!("{n} {cat}"))
        .collect();
    timeline.log(
        "trace",
        format!("{} events: {}", summary.total(), counts.join(", ")),
    );
    let Some(longest) = summary.longest_run else {
        bail!("the trace has no run events");
    };
    timeline.log(
        "trace",
        format!("the longest run: {} for {}", longest.name, ms(longest.dur)),
    );
    timeline.log(
        "trace",
        "file removed; to keep one, run with GHETTO_TRACE=FILE and open it at ui.perfetto.dev",
    );
    Ok(())
}

/// `d` in milliseconds, for a line of the timeline.
fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

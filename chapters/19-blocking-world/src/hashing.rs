//! CPU-bound work: a hash of a big buffer on the loop's thread, then split
//! across pool threads (chapter 19).
//!
//! A hash has no system call to wait for: it is all CPU. On the loop's
//! thread it blocks every task for as long as it runs, exactly like a
//! `thread::sleep`. In the pool it leaves the loop free, and split in
//! parts it runs on as many cores as there are parts (and free cores).
//!
//! The hash is FNV-1a, one multiply per byte: simple enough to read in
//! three lines, and slow enough in a debug build to measure. FNV-1a is a
//! chain (each byte's step needs the previous one), so it cannot be split
//! as it is. [`hash_in_parts`] hashes each part alone, then hashes the
//! parts' hashes in order: the same answer however the parts are run, on
//! one thread or on many.

use std::cell::Cell;
use std::io;
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use course::Timeline;
use ghetto_loop::blocking::spawn_blocking;
use ghetto_loop::event_loop::LoopHandle;
use ghetto_loop::sys::CpuTime;
use ghetto_loop::time::interval;

/// FNV-1a's starting value (64-bit).
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a's multiplier (64-bit).
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The 64-bit FNV-1a hash of `bytes`.
///
/// ```
/// // The published test vector for "a".
/// assert_eq!(ch19_blocking_world::hashing::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
/// ```
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

/// `len` bytes to hash: a 64 KiB block of pseudo-random bytes, repeated.
/// Copying a block is quick even in a debug build, so making the buffer
/// costs far less than hashing it.
pub fn make_buffer(len: usize) -> Arc<[u8]> {
    const BLOCK: usize = 64 * 1024;
    // xorshift64: a few shifts per byte, and the same bytes every run.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let block: Vec<u8> = (0..BLOCK.min(len))
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let mut buf = Vec::with_capacity(len);
    while buf.len() < len {
        let take = block.len().min(len - buf.len());
        buf.extend_from_slice(&block[..take]);
    }
    buf.into()
}

/// Splits `0..len` into `parts` ranges as equal as can be, in order. The
/// first `len % parts` ranges are one byte longer.
///
/// # Panics
///
/// If `parts` is zero.
pub fn part_ranges(len: usize, parts: usize) -> Vec<Range<usize>> {
    assert!(parts > 0, "a buffer is split into at least one part");
    let (each, extra) = (len / parts, len % parts);
    let mut start = 0;
    (0..parts)
        .map(|i| {
            let end = start + each + usize::from(i < extra);
            let range = start..end;
            start = end;
            range
        })
        .collect()
}

/// The hash of the parts' hashes, in order.
pub fn combine(part_hashes: &[u64]) -> u64 {
    let bytes: Vec<u8> = part_hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
    fnv1a(&bytes)
}

/// Hashes `buf` in `parts` parts, one after the other, on this thread.
pub fn hash_in_parts(buf: &[u8], parts: usize) -> u64 {
    let hashes: Vec<u64> = part_ranges(buf.len(), parts)
        .into_iter()
        .map(|r| fnv1a(&buf[r]))
        .collect();
    combine(&hashes)
}

/// Hashes `buf` in `parts` parts, each on a pool thread at the same time;
/// the same answer as [`hash_in_parts`].
pub async fn hash_in_pool(buf: Arc<[u8]>, parts: usize) -> io::Result<u64> {
    // Every part is handed to the pool before the first is awaited: that
    // is what lets them run at once.
    let jobs: Vec<_> = part_ranges(buf.len(), parts)
        .into_iter()
        .map(|r| {
            let buf = buf.clone();
            spawn_blocking(move || fnv1a(&buf[r]))
        })
        .collect();
    let mut hashes = Vec::with_capacity(parts);
    for job in jobs {
        hashes.push(job.await.map_err(io::Error::other)?);
    }
    Ok(combine(&hashes))
}

/// One way of hashing, timed, with what the loop did meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timed {
    /// The hash.
    pub hash: u64,
    /// Wall-clock time, start to answer.
    pub took: Duration,
    /// CPU time the whole process used meanwhile, every thread summed.
    pub cpu: Duration,
    /// Ticks of a 10 ms ticker task that the loop ran meanwhile.
    pub ticks: u32,
}

/// The two ways side by side, on the same buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// All parts on the loop's thread, one after the other.
    pub on_the_loop: Timed,
    /// Each part on a pool thread of its own.
    pub in_the_pool: Timed,
}

impl Timed {
    /// CPU time per wall-clock time: how many cores were busy at once, on
    /// average.
    pub fn cores_busy(&self) -> f64 {
        self.cpu.as_secs_f64() / self.took.as_secs_f64().max(1e-9)
    }
}

impl Comparison {
    /// How many times faster the pool was.
    pub fn speed_up(&self) -> f64 {
        self.on_the_loop.took.as_secs_f64() / self.in_the_pool.took.as_secs_f64().max(1e-9)
    }
}

/// How often the ticker beside the hashes ticks.
pub const TICK: Duration = Duration::from_millis(10);

/// Hashes `buf` in `parts` on the loop's thread, then in the pool, with a
/// ticker task running beside both, and times each; says how each went on
/// `timeline` as soon as it is done.
pub async fn compare(buf: Arc<[u8]>, parts: usize, timeline: &Timeline) -> io::Result<Comparison> {
    let ticks = Rc::new(Cell::new(0u32));
    let counter = ticks.clone();
    let lp = LoopHandle::current();
    let ticker = lp.spawn_named("ticker", async move {
        let mut every = interval(TICK);
        loop {
            every.tick().await;
            counter.set(counter.get() + 1);
        }
    });
    // Let the ticker take its first (immediate) tick before any timing.
    ghetto_loop::task::yield_now().await;

    // A task of its own, so that debug mode and the trace can name it.
    let (mine, seen) = (buf.clone(), ticks.clone());
    let on_the_loop = lp
        .spawn_named("hash on the loop", async move {
            let (started, before, cpu) = (Instant::now(), seen.get(), CpuTime::this_process()?);
            // Here is the block: no `.await` until the hash is done, so no
            // other task, the ticker included, runs meanwhile.
            let hash = hash_in_parts(&mine, parts);
            Ok::<_, io::Error>(Timed {
                hash,
                took: started.elapsed(),
                cpu: (CpuTime::this_process()? - cpu).total(),
                ticks: seen.get() - before,
            })
        })
        .await
        .map_err(io::Error::other)??;
    timeline.log(
        "hash",
        format!(
            "on the loop's thread: {:#018x} in {} ({:.1} core(s) busy); the ticker ticked {} time(s) meanwhile",
            on_the_loop.hash,
            ms(on_the_loop.took),
            on_the_loop.cores_busy(),
            on_the_loop.ticks
        ),
    );

    let (started, before, cpu) = (Instant::now(), ticks.get(), CpuTime::this_process()?);
    let hash = hash_in_pool(buf, parts).await?;
    let in_the_pool = Timed {
        hash,
        took: started.elapsed(),
        cpu: (CpuTime::this_process()? - cpu).total(),
        ticks: ticks.get() - before,
    };
    ticker.abort();
    timeline.log(
        "hash",
        format!(
            "on {parts} pool threads: {} in {} ({:.1} core(s) busy); the ticker ticked {} time(s) meanwhile",
            if in_the_pool.hash == on_the_loop.hash {
                "the same hash".to_owned()
            } else {
                format!("a different hash, {:#018x}", in_the_pool.hash)
            },
            ms(in_the_pool.took),
            in_the_pool.cores_busy(),
            in_the_pool.ticks
        ),
    );
    Ok(Comparison {
        on_the_loop,
        in_the_pool,
    })
}

/// `d` in milliseconds, for a line of the timeline.
fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

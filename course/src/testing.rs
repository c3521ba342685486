//! Helpers for the chapters' tests (one module, like mio's `tests/util`).

use std::io;
use std::time::{Duration, Instant};

/// How long a test or a demo waits for something that should happen at once:
/// an echo, a connection, a server's first line. It bounds a failing run (a
/// broken server makes it fail instead of hang); it is not a claim about
/// speed, so it is generous, for a loaded machine with two cores.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// How many file descriptors this process has open right now.
///
/// Tests count before and after to prove nothing leaked. Run such a test in
/// a process of its own (`cargo nextest` does, one process per test), or
/// other tests' sockets will be counted too.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| dir.count())
        .unwrap_or(0)
}

/// Polls `condition` every millisecond until it holds or `limit` passes.
/// Returns whether it held. The limit is generous by design: it bounds a
/// failing test, it is not a claim about speed.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    condition()
}

/// Reads the soft limit on open files (`RLIMIT_NOFILE`) from /proc.
pub fn fd_limit() -> io::Result<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits")?;
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "no 'Max open files' line in /proc/self/limits",
            )
        })
}

/// Resident set size of process `pid` in bytes, from `/proc/PID/status`.
pub fn rss_bytes(pid: u32) -> io::Result<u64> {
    status_field(pid, "VmRSS:").map(|kib| kib * 1024)
}

/// Number of threads of process `pid`, from `/proc/PID/status`.
pub fn thread_count(pid: u32) -> io::Result<u64> {
    status_field(pid, "Threads:")
}

fn status_field(pid: u32, field: &str) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("no {field} in /proc/{pid}/status"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_move_with_reality() {
        let before = open_fds();
        let f = std::fs::File::open("/proc/self/status").unwrap();
        assert_eq!(open_fds(), before + 1);
        drop(f);
        assert_eq!(open_fds(), before);
        assert!(rss_bytes(std::process::id()).unwrap() > 0);
        assert!(thread_count(std::process::id()).unwrap() >= 1);
        assert!(fd_limit().unwrap() > 0);
    }
}

/// Counts drops: a test hands a [`DropGuard`] to a future, a task or a
/// callback, and proves with [`count`](Drops::count) that it was dropped
/// (cancelled, closed, cleaned up). Clones share one count.
#[derive(Debug, Clone, Default)]
pub struct Drops(std::rc::Rc<std::cell::Cell<u32>>);

/// Adds one to its [`Drops`] when dropped.
#[derive(Debug)]
pub struct DropGuard(std::rc::Rc<std::cell::Cell<u32>>);

impl Drops {
    /// A new guard counted here.
    pub fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }

    /// How many guards were dropped so far.
    pub fn count(&self) -> u32 {
        self.0.get()
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Counts this thread's allocations, to check "no allocation per
/// wake-up". A test binary installs it with
/// `#[global_allocator] static A: CountingAllocator = CountingAllocator;`
/// and reads [`allocations`] before and after. The count is per thread, so
/// tests that `cargo test` runs beside it on other threads do not disturb
/// it.
#[derive(Debug)]
pub struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter is a const-initialised thread-local `Cell`, which never allocates.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // `try_with`: a thread being torn down has no counter left.
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as for `alloc`.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

/// Allocations made by this thread so far (with [`CountingAllocator`]
/// installed; 0 otherwise).
pub fn allocations() -> u64 {
    ALLOCATIONS.with(std::cell::Cell::get)
}

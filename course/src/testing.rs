//! Helpers for the chapters' tests (one module, like mio's `tests/util`).

use std::io;
use std::time::{Duration, Instant};

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

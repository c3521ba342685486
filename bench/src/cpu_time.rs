//! CPU time used so far: by a process, by the calling thread, or on a CPU by
//! anyone, from /proc (the calling thread's from its CPU-time clock).
//!
//! The report puts the server's and the load generator's CPU use beside
//! every echo figure. In the split pinning each has a CPU of its own, so
//! whichever is near 100% is the bottleneck: a load generator at 100% means
//! the figure is the client's limit, and the server could do more. What the
//! CPUs did besides is the noise: other processes that ran there.

use std::io;
use std::time::{Duration, Instant};

use nix::time::{ClockId, clock_gettime};
use nix::unistd::{SysconfVar, sysconf};

/// CPU time (user + system) of every thread process `pid` has had, from
/// `/proc/PID/stat`. Its resolution is a clock tick (10 ms on most Linux
/// machines), fine over windows of a second.
pub fn process(pid: u32) -> io::Result<Duration> {
    stat_ticks(&format!("/proc/{pid}"), 11)
}

/// CPU time (user + system) of this process's children that have ended
/// and been waited for (`cutime` and `cstime` in `/proc/self/stat`): read
/// before and after a child that runs to its end, the difference is that
/// child's CPU time, all its threads, if no other child is reaped between.
pub fn waited_children() -> io::Result<Duration> {
    stat_ticks("/proc/self", 13)
}

/// The sum of the two clock-tick fields at `first` and `first + 1` after
/// the command name in `DIR/stat`.
fn stat_ticks(dir: &str, first: usize) -> io::Result<Duration> {
    let stat = std::fs::read_to_string(format!("{dir}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces or
    // parentheses itself; the fields after the last ')' are plain numbers.
    // utime and stime are fields 14 and 15, so 11 and 12 after the ')'
    // (which is followed by field 3, the state); cutime and cstime are 16
    // and 17, so 13 and 14.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> io::Result<u64> {
        fields.get(i).and_then(|f| f.parse().ok()).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, format!("unexpected {dir}/stat"))
        })
    };
    from_ticks(ticks(first)? + ticks(first + 1)?)
}

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), to the
/// nanosecond and up to date at the call: the kernel adds the running
/// slice before answering (`/proc/thread-self/schedstat` is brought up to
/// date only at ticks and switches, so a thread that has run 1 ms without a
/// break may read as not having run at all).
pub fn this_thread() -> io::Result<Duration> {
    let now = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)?;
    Ok(Duration::from(now))
}

/// How busy some CPUs had been and how much CPU time one process had used,
/// at one instant: two readings tell what *else* ran on those CPUs in
/// between (other processes, kernel threads, the hypervisor): the noise of
/// whatever the process measured meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Busy {
    wall: Instant,
    /// [`cpu_busy`] summed over the CPUs.
    cpus: Duration,
    /// The process's CPU time, all its threads.
    process: Duration,
}

impl Busy {
    /// Reads `cpus` (each once) and process `pid`.
    pub fn read(cpus: &[usize], pid: u32) -> io::Result<Busy> {
        let mut busy = Duration::ZERO;
        for (i, &cpu) in cpus.iter().enumerate() {
            if !cpus[..i].contains(&cpu) {
                busy += cpu_busy(cpu)?;
            }
        }
        Ok(Busy {
            wall: Instant::now(),
            cpus: busy,
            process: process(pid)?,
        })
    }

    /// The process's CPU time at this reading.
    pub fn process_time(&self) -> Duration {
        self.process
    }

    /// What others used of the CPUs from this reading to `later`, in shares
    /// of one CPU.
    pub fn others_until(&self, later: &Busy) -> f64 {
        let wall = later.wall.duration_since(self.wall).as_secs_f64();
        let busy = later.cpus.saturating_sub(self.cpus).as_secs_f64();
        let mine = later.process.saturating_sub(self.process).as_secs_f64();
        if wall <= 0.0 {
            return 0.0;
        }
        ((busy - mine) / wall).max(0.0)
    }
}

/// Time CPU `cpu` has spent not idle, from its line in `/proc/stat`: user,
/// nice, system, irq, softirq and steal (the time the hypervisor took).
///
/// Interrupts count too because the kernel charges an interrupt's tick to
/// the task it interrupted as well as to the irq or softirq column: much of
/// loopback networking runs as a softirq on the back of the very processes
/// being measured, and leaving it out here would make their CPU time look
/// bigger than the CPU's.
pub fn cpu_busy(cpu: usize) -> io::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let label = format!("cpu{cpu}");
    let line = stat
        .lines()
        .find(|line| line.split_whitespace().next() == Some(label.as_str()))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no {label} line in /proc/stat"),
            )
        })?;
    // The fields: user nice system idle iowait irq softirq steal ...
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let field = |i: usize| fields.get(i).copied().unwrap_or(0);
    from_ticks(field(0) + field(1) + field(2) + field(5) + field(6) + field(7))
}

/// Clock ticks (`USER_HZ`, 100 a second on most machines) as a duration.
fn from_ticks(ticks: u64) -> io::Result<Duration> {
    let per_second = sysconf(SysconfVar::CLK_TCK)?
        .and_then(|t| u64::try_from(t).ok())
        .filter(|&t| t > 0)
        .ok_or_else(|| io::Error::other("the clock tick rate (CLK_TCK) is unknown"))?;
    Ok(Duration::from_nanos(ticks * 1_000_000_000 / per_second))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Spins until this thread has had `cpu` of CPU time, however long that
    /// takes on a busy machine (bounded, so a broken counter fails).
    fn spin_for_cpu(cpu: Duration) {
        let before = this_thread().unwrap();
        let limit = Instant::now() + Duration::from_secs(60);
        while this_thread().unwrap() - before < cpu {
            assert!(
                Instant::now() < limit,
                "the thread's CPU time does not grow"
            );
            for _ in 0..10_000 {
                std::hint::black_box(0u64);
            }
        }
    }

    #[test]
    fn spinning_shows_up_in_the_process() {
        let before = process(std::process::id()).unwrap();
        spin_for_cpu(Duration::from_millis(100));
        // The process counter includes this thread's time, to a clock tick
        // or two.
        let used = process(std::process::id()).unwrap() - before;
        assert!(used >= Duration::from_millis(70), "{used:?}");
    }

    #[test]
    fn a_waited_for_child_counts_once_it_is_reaped() {
        // A shell loop that spins: about 0.3 s of CPU on this course's
        // machines, far above the bound asserted.
        let before = waited_children().unwrap();
        let status = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        let used = waited_children().unwrap() - before;
        assert!(used >= Duration::from_millis(20), "{used:?}");
    }

    #[test]
    fn a_cpu_that_runs_us_is_busy() {
        let cpu = crate::pin::allowed_cpus().unwrap()[0];
        std::thread::spawn(move || {
            crate::pin::pin_current_thread(cpu).unwrap();
            let before = cpu_busy(cpu).unwrap();
            spin_for_cpu(Duration::from_millis(100));
            let busy = cpu_busy(cpu).unwrap() - before;
            assert!(busy >= Duration::from_millis(70), "{busy:?}");
        })
        .join()
        .unwrap();
        assert!(cpu_busy(usize::MAX).is_err());
    }
}

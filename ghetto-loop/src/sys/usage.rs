//! Resources: CPU time from `getrusage(2)`, limits from `getrlimit(2)`, and
//! "a limit was hit" errors (chapter 01; chapters 02 and 03 measure with it).
//!
//! Chapter 01's accept loop asks whether an error is a limit that was hit;
//! chapter 02 reads the stack and open-files limits to do the C10K sums with
//! real numbers; chapter 03 measures how much CPU a busy-polling thread burns.
//! None of it is the event loop: it lives here because it is system calls,
//! and `sys` is the only module that talks to `libc`.

use std::io;
use std::mem;
use std::ops::Sub;
use std::time::Duration;

/// CPU time consumed, split the way the kernel accounts it.
///
/// ```
/// use ghetto_loop::sys::CpuTime;
/// let before = CpuTime::this_thread()?;
/// // Spin until the kernel has charged this thread some CPU time.
/// let mut spins = 0u64;
/// while (CpuTime::this_thread()? - before).total().is_zero() {
///     spins = std::hint::black_box(spins + 1);
/// }
/// let used = CpuTime::this_thread()? - before;
/// println!("{spins} spins: user {:?}, system {:?}", used.user, used.system);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTime {
    /// Time spent running the program's own code.
    pub user: Duration,
    /// Time spent in the kernel on the program's behalf: every system call,
    /// including each `read` that only says "nothing yet".
    pub system: Duration,
}

impl CpuTime {
    /// The calling thread's CPU time so far (`getrusage(RUSAGE_THREAD)`).
    ///
    /// Only the thread itself can ask: a server thread that wants to report
    /// its cost measures at its start and at its end.
    pub fn this_thread() -> io::Result<CpuTime> {
        rusage(libc::RUSAGE_THREAD)
    }

    /// The whole process's CPU time so far, every thread summed
    /// (`getrusage(RUSAGE_SELF)`).
    pub fn this_process() -> io::Result<CpuTime> {
        rusage(libc::RUSAGE_SELF)
    }

    /// User plus system time.
    pub fn total(&self) -> Duration {
        self.user + self.system
    }
}

impl Sub for CpuTime {
    type Output = CpuTime;

    /// The time used between two readings (saturating at zero, so a reading
    /// taken on another thread by mistake gives zero, not a panic).
    fn sub(self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

fn rusage(who: libc::c_int) -> io::Result<CpuTime> {
    // SAFETY: rusage is plain old data; all zeroes is valid.
    let mut usage: libc::rusage = unsafe { mem::zeroed() };
    // SAFETY: `usage` is a writable rusage, which is what getrusage fills.
    crate::syscall!(getrusage(who, &mut usage))?;
    let duration = |tv: libc::timeval| {
        // The kernel never reports negative times; clamp instead of trusting it.
        Duration::new(tv.tv_sec.max(0) as u64, (tv.tv_usec.max(0) as u32) * 1000)
    };
    Ok(CpuTime {
        user: duration(usage.ru_utime),
        system: duration(usage.ru_stime),
    })
}

/// The main thread's stack limit in bytes (`ulimit -s`, `RLIMIT_STACK`), or
/// `None` when it is unlimited.
///
/// Only the main thread's stack follows this limit. Threads made by
/// `std::thread` get the size their `Builder` asks for (2 MiB by default, or
/// `RUST_MIN_STACK`), fixed when the thread is created.
pub fn stack_limit() -> io::Result<Option<u64>> {
    let (soft, _hard) = read_limit(|lim| {
        // SAFETY: `lim` is a writable rlimit, which is what getrlimit fills.
        crate::syscall!(getrlimit(libc::RLIMIT_STACK, lim))
    })?;
    Ok(soft)
}

/// Raises the soft limit on open files (`ulimit -n`, `RLIMIT_NOFILE`) to the
/// hard limit and returns the new soft limit.
///
/// A process starts with a soft limit that is often 1024, while the hard
/// limit, the most an unprivileged process may ask for, is much higher. A
/// server for thousands of clients needs an fd for each, so servers raise it
/// at start-up (the Go runtime does this for every program).
///
/// ```
/// let limit = ghetto_loop::sys::raise_fd_limit()?;
/// assert!(limit >= 64);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn raise_fd_limit() -> io::Result<u64> {
    let (soft, hard) = open_files_limit()?;
    if soft == hard {
        // Already as high as we may go (or both unlimited).
        return Ok(soft.unwrap_or(u64::MAX));
    }
    // An "unlimited" hard limit does not make an unlimited soft one: Linux
    // refuses a soft limit on open files above fs.nr_open (EPERM), so that
    // is the ceiling then.
    let target = match hard {
        Some(hard) => hard,
        None => nr_open()?,
    };
    let raised = libc::rlimit {
        rlim_cur: target,
        rlim_max: hard.unwrap_or(libc::RLIM_INFINITY),
    };
    // SAFETY: `raised` is a readable rlimit; setrlimit only reads it.
    crate::syscall!(setrlimit(libc::RLIMIT_NOFILE, &raised))?;
    Ok(target)
}

/// Whether `e` says a limit was hit: out of fds for this process (`EMFILE`)
/// or the whole system (`ENFILE`), or out of kernel memory (`ENOBUFS`,
/// `ENOMEM`).
///
/// Such a failure passes when something else is closed or freed, so a
/// server's `accept` loop waits and retries instead of giving up; any other
/// `accept` error means the listener itself is broken.
///
/// ```
/// use ghetto_loop::sys::is_out_of_resources;
/// use std::io;
/// assert!(is_out_of_resources(&io::Error::from_raw_os_error(24))); // EMFILE
/// assert!(!is_out_of_resources(&io::Error::from(io::ErrorKind::ConnectionReset)));
/// ```
pub fn is_out_of_resources(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// The kernel's ceiling on any process's open files (`fs.nr_open`).
fn nr_open() -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/sys/fs/nr_open")?;
    text.trim().parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("/proc/sys/fs/nr_open holds {text:?}, not a number"),
        )
    })
}

/// The soft and hard limit on open files; `None` is "unlimited".
fn open_files_limit() -> io::Result<(Option<u64>, Option<u64>)> {
    read_limit(|lim| {
        // SAFETY: `lim` is a writable rlimit, which is what getrlimit fills.
        crate::syscall!(getrlimit(libc::RLIMIT_NOFILE, lim))
    })
}

/// Runs `getrlimit` (passed in as `call`, because the type of the resource
/// constant differs between C libraries) on a zeroed `rlimit` and returns
/// the soft and hard limit; `None` is "unlimited".
fn read_limit(
    call: impl FnOnce(&mut libc::rlimit) -> io::Result<libc::c_int>,
) -> io::Result<(Option<u64>, Option<u64>)> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    call(&mut lim)?;
    let finite = |v: libc::rlim_t| (v != libc::RLIM_INFINITY).then_some(v);
    Ok((finite(lim.rlim_cur), finite(lim.rlim_max)))
}

/// Sets this thread's timer slack (`prctl(PR_SET_TIMERSLACK)`), chapter 16.
///
/// The kernel may fire a sleeping thread's timer up to "slack" late, so it
/// can batch wake-ups; the default is 50 microseconds, which every timer of
/// a loop would inherit. A loop asks for 1 ns when it starts running: its
/// timers are the program's deadlines, not background chores.
pub fn set_timer_slack(slack: Duration) -> io::Result<()> {
    let ns = slack.as_nanos().clamp(1, libc::c_ulong::MAX as u128) as libc::c_ulong;
    // SAFETY: PR_SET_TIMERSLACK takes one unsigned long and no pointers.
    crate::syscall!(prctl(libc::PR_SET_TIMERSLACK, ns, 0, 0, 0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_spinning_thread_accrues_cpu_time_and_a_sleeping_one_does_not() -> io::Result<()> {
        let before = CpuTime::this_thread()?;
        let start = Instant::now();
        let mut x = 0u64;
        while start.elapsed() < Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let spun = CpuTime::this_thread()? - before;
        // Spinning for 50 ms of wall time: the thread ran for much of it,
        // even on a busy machine.
        assert!(spun.total() >= Duration::from_millis(5), "{spun:?}");

        // Another thread's sleep costs this thread nothing, and the sleeper
        // itself burns (almost) nothing.
        let sleeper = std::thread::spawn(|| -> io::Result<CpuTime> {
            let before = CpuTime::this_thread()?;
            std::thread::sleep(Duration::from_millis(50));
            Ok(CpuTime::this_thread()? - before)
        });
        let slept = sleeper.join().expect("the sleeper does not panic")?;
        assert!(slept.total() < Duration::from_millis(20), "{slept:?}");
        assert!(CpuTime::this_process()?.total() >= spun.total());
        Ok(())
    }

    #[test]
    fn limits_are_readable_and_the_fd_limit_only_goes_up() -> io::Result<()> {
        let (soft_before, _) = open_files_limit()?;
        let raised = raise_fd_limit()?;
        let (soft_after, hard) = open_files_limit()?;
        assert_eq!(soft_after, hard);
        assert_eq!(raised, soft_after.unwrap_or(u64::MAX));
        assert!(soft_after.unwrap_or(u64::MAX) >= soft_before.unwrap_or(u64::MAX));
        if let Some(stack) = stack_limit()? {
            assert!(stack > 0);
        }
        Ok(())
    }
}

//! Pinning a thread to a CPU.
//!
//! On a two-core machine the scheduler moving the server and the load between
//! cores is a large part of the noise. Pinning makes a run repeatable, and it
//! lets the benchmark ask two different questions: with both on one CPU
//! (every cycle the load spends is a cycle the server does not get) and with
//! each on its own.

use std::fmt;
use std::io;

use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
use nix::unistd::Pid;

/// Where the server and the load generator run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pinning {
    /// Server and load on the same CPU: they take turns on one core.
    Shared,
    /// Server on one CPU, load on another.
    Split,
}

/// The CPUs chosen for one [`Pinning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The CPU the server process is pinned to.
    pub server: usize,
    /// The CPU the load generator's thread is pinned to.
    pub client: usize,
}

impl Pinning {
    /// Both modes, in the order the report shows them.
    pub const ALL: [Pinning; 2] = [Pinning::Split, Pinning::Shared];

    /// `"split"` or `"shared"`.
    pub fn name(self) -> &'static str {
        match self {
            Pinning::Shared => "shared",
            Pinning::Split => "split",
        }
    }

    /// The CPUs to use among `allowed`, or `None` when there are too few
    /// (split needs two).
    pub fn placement(self, allowed: &[usize]) -> Option<Placement> {
        match (self, allowed) {
            (Pinning::Shared, [cpu, ..]) => Some(Placement {
                server: *cpu,
                client: *cpu,
            }),
            (Pinning::Split, [server, client, ..]) => Some(Placement {
                server: *server,
                client: *client,
            }),
            _ => None,
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.server == self.client {
            write!(f, "server and load both on CPU {}", self.server)
        } else {
            write!(
                f,
                "server on CPU {}, load on CPU {}",
                self.server, self.client
            )
        }
    }
}

/// The CPUs this process may run on, in increasing order.
pub fn allowed_cpus() -> io::Result<Vec<usize>> {
    let set = sched_getaffinity(Pid::from_raw(0))?;
    Ok((0..CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect())
}

/// Pins the calling thread to `cpu`. Threads it starts afterwards inherit the
/// pin, which is how a whole server process ends up on one CPU: the `serve`
/// child pins its main thread before the chapter's code starts any other.
pub fn pin_current_thread(cpu: usize) -> io::Result<()> {
    let mut set = CpuSet::new();
    set.set(cpu)?;
    // Pid 0 means the calling thread: sched_setaffinity works per thread.
    sched_setaffinity(Pid::from_raw(0), &set)?;
    Ok(())
}

/// Runs `f` on a thread of its own pinned to `cpu`, and returns what it
/// returns. A process started there inherits the pin (a child takes the
/// CPU affinity of the thread that starts it), and so do its threads.
pub fn on_cpu<T: Send>(
    cpu: usize,
    f: impl FnOnce() -> anyhow::Result<T> + Send,
) -> anyhow::Result<T> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                pin_current_thread(cpu)
                    .map_err(|e| anyhow::anyhow!("cannot pin to CPU {cpu}: {e}"))?;
                f()
            })
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the thread pinned to CPU {cpu} panicked")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_need_enough_cpus() {
        assert_eq!(
            Pinning::Split.placement(&[2, 5]),
            Some(Placement {
                server: 2,
                client: 5
            })
        );
        assert_eq!(Pinning::Split.placement(&[3]), None);
        assert_eq!(
            Pinning::Shared.placement(&[3]),
            Some(Placement {
                server: 3,
                client: 3
            })
        );
        assert_eq!(Pinning::Shared.placement(&[]), None);
    }

    #[test]
    fn pinning_moves_the_thread() {
        let allowed = allowed_cpus().unwrap();
        let last = *allowed.last().unwrap();
        std::thread::spawn(move || {
            pin_current_thread(last).unwrap();
            assert_eq!(allowed_cpus().unwrap(), vec![last]);
        })
        .join()
        .unwrap();
    }
}

//! A server under test, running as a child process of the harness.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, getppid};

use crate::servers::Server;
use crate::syscalls::Tracer;

/// How long a server may take to print `listening on ADDR`.
const STARTUP_LIMIT: Duration = Duration::from_secs(20);

/// How long strace may take to write its summary once its server is killed.
const TRACE_END_LIMIT: Duration = Duration::from_secs(10);

/// A running server: this binary re-executed as `bench serve NAME ADDR`.
///
/// Dropping it kills the process, so an error anywhere in the harness never
/// leaves a server running.
#[derive(Debug)]
pub struct ServerProcess {
    /// The child; `None` once it has been stopped and reaped.
    child: Option<Child>,
    /// The address it announced.
    addr: SocketAddr,
    /// Its process id, for `/proc/PID/status`.
    pid: u32,
    /// The tool it runs under, if any.
    tracer: Option<Tracer>,
}

impl ServerProcess {
    /// Starts `server` on `127.0.0.1:0`, pinned to `cpu`, with its stderr
    /// appended to `log`, and waits for it to announce its address.
    pub fn start(server: &Server, cpu: usize, log: &Path) -> anyhow::Result<ServerProcess> {
        ServerProcess::spawn(server, Some(cpu), log, None)
    }

    /// Starts `server` as [`start`](ServerProcess::start) does, but free to
    /// run on every CPU this process may use: a server with a thread per
    /// core would find one core if it were pinned.
    pub fn start_unpinned(server: &Server, log: &Path) -> anyhow::Result<ServerProcess> {
        ServerProcess::spawn(server, None, log, None)
    }

    /// Starts `server` as [`start`](ServerProcess::start) does, but under
    /// `tracer` (`strace -f -c`, or callgrind), which writes its count of
    /// what the server did into `summary` when the server ends: see
    /// [`finish_trace`](ServerProcess::finish_trace). The tracer runs on
    /// the server's CPU, and [`pid`](ServerProcess::pid) is the tracer's.
    pub fn start_traced(
        server: &Server,
        tracer: Tracer,
        cpu: usize,
        log: &Path,
        summary: &Path,
    ) -> anyhow::Result<ServerProcess> {
        ServerProcess::spawn(server, Some(cpu), log, Some((tracer, summary)))
    }

    fn spawn(
        server: &Server,
        cpu: Option<usize>,
        log: &Path,
        traced: Option<(Tracer, &Path)>,
    ) -> anyhow::Result<ServerProcess> {
        let exe = crate::this_binary();
        let stderr = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("cannot open the server log {}", log.display()))?;
        let mut command = Command::new(exe);
        command.args(["serve", server.name, "127.0.0.1:0"]);
        if let Some(cpu) = cpu {
            command.args(["--cpu", &cpu.to_string()]);
        }
        match traced {
            Some((Tracer::Strace, summary)) => command.arg("--strace").arg(summary),
            Some((Tracer::Callgrind, out)) => command.arg("--callgrind").arg(out),
            None => &mut command,
        };
        let mut child = command
            // The servers on ghetto-loop's selectors run on the backend this
            // names; the benchmark compares them on epoll, the default,
            // whatever the caller's environment says.
            .env(ghetto_loop::sys::SELECTOR_ENV, "epoll")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start server {}", server.name))?;
        let pid = child.id();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("the child's stdout was not captured"))?;
        // Construct first, so that an error below kills the child on drop.
        let mut process = ServerProcess {
            child: Some(child),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            pid,
            tracer: traced.map(|(tracer, _)| tracer),
        };
        process.addr = read_announcement(stdout, server.name)?;
        Ok(process)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Resident memory of the server process, in bytes.
    pub fn rss(&self) -> io::Result<u64> {
        course::testing::rss_bytes(self.pid)
    }

    /// Number of threads of the server process.
    pub fn threads(&self) -> io::Result<u64> {
        course::testing::thread_count(self.pid)
    }

    /// An error if the server has exited (it should serve until killed).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        let child = self
            .child
            .as_mut()
            .ok_or_else(|| anyhow!("server already stopped"))?;
        match child.try_wait()? {
            None => Ok(()),
            Some(status) => bail!("the server exited during the run ({status})"),
        }
    }

    /// Kills the server and waits for it to be gone.
    pub fn stop(mut self) {
        self.kill_and_reap();
    }

    /// Ends a server started with [`start_traced`](ServerProcess::start_traced):
    /// kills the server strace runs, which makes strace write its summary
    /// and exit, and waits for that. (strace started with a command ignores
    /// the signals that would stop it: only its command's end ends it.)
    /// Callgrind runs the server in its own process: a `SIGTERM` ends it,
    /// and callgrind writes its count on the way out (a `SIGKILL` would
    /// lose it).
    pub fn finish_trace(&mut self) -> anyhow::Result<()> {
        let tracer = self.tracer;
        let child = self
            .child
            .as_mut()
            .ok_or_else(|| anyhow!("server already stopped"))?;
        let strace = child.id();
        if tracer == Some(Tracer::Callgrind) {
            kill(Pid::from_raw(strace as i32), Signal::SIGTERM)
                .context("cannot stop the server under callgrind")?;
            return self.wait_for_tracer();
        }
        // strace's only child is the server: `bench serve`, which it started.
        let children = std::fs::read_to_string(format!("/proc/{strace}/task/{strace}/children"))
            .context("cannot find the traced server's pid")?;
        let server = children
            .split_whitespace()
            .next()
            .and_then(|pid| pid.parse::<i32>().ok())
            .ok_or_else(|| anyhow!("strace has no child: the server is gone"))?;
        kill(Pid::from_raw(server), Signal::SIGKILL).context("cannot kill the traced server")?;
        self.wait_for_tracer()
    }

    /// Waits for the tracer to write its count and exit.
    fn wait_for_tracer(&mut self) -> anyhow::Result<()> {
        let child = self
            .child
            .as_mut()
            .ok_or_else(|| anyhow!("server already stopped"))?;
        let deadline = Instant::now() + TRACE_END_LIMIT;
        while child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                bail!("the tracer did not exit within {TRACE_END_LIMIT:?} of its server");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.child = None;
        Ok(())
    }

    fn kill_and_reap(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Errors here mean it already exited; reaping is what matters.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}

/// The child side: asks the kernel to kill this process when the harness
/// that started it dies, so that a harness killed mid-run (`SIGKILL`, a
/// crash) leaves no server behind. Dropping a [`ServerProcess`] covers every
/// other way the harness ends.
pub fn die_with_parent() -> io::Result<()> {
    let parent = getppid();
    set_pdeathsig(Signal::SIGKILL)?;
    // A parent that died before the line above sends no signal: we were
    // handed to another parent already.
    if getppid() != parent {
        return Err(io::Error::other(
            "the harness exited before the server started",
        ));
    }
    Ok(())
}

/// Reads the `listening on ADDR` line from the server's stdout, then keeps
/// draining its stdout on a thread of its own, so that a server that prints a
/// lot can never block on a full pipe.
fn read_announcement(stdout: std::process::ChildStdout, name: &str) -> anyhow::Result<SocketAddr> {
    let (first_line, announced) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("{name}-stdout"))
        .spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first_line.send(lines.next());
            // The loop ends at end-of-file, when the server exits.
            for _ in lines {}
        })?;
    let line = match announced.recv_timeout(STARTUP_LIMIT) {
        Ok(Some(Ok(line))) => line,
        Ok(Some(Err(e))) => bail!("{name}: cannot read its stdout: {e}"),
        Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            bail!("{name} exited before announcing its address (see its log)")
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            bail!("{name} did not print `listening on ADDR` within {STARTUP_LIMIT:?}")
        }
    };
    line.strip_prefix("listening on ")
        .and_then(|addr| addr.trim().parse().ok())
        .ok_or_else(|| anyhow!("{name} printed {line:?} instead of `listening on ADDR`"))
}

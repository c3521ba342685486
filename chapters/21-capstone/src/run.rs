//! Running the app: on which runtime, on how many cores, in a thread of
//! its own or on this one (chapter 21).

use std::io;
use std::net::SocketAddr;
use std::sync::mpsc as std_mpsc;
use std::thread;

use ghetto_loop::sys::SelectorKind;

use crate::app::fetch::{FetchPlan, FetchReport};
use crate::config::{Addrs, Config, ShutdownReport};
use crate::stop::Stop;
use crate::{on_ghetto, on_tokio, on_tokio_mt};

/// Which runtime runs the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// ghetto-loop, the course's runtime (on the selector in the
    /// [`Config`]).
    Ghetto,
    /// tokio's current-thread runtime with a `LocalSet`.
    Tokio,
    /// tokio's multi-thread runtime: one worker per core, tasks stolen by
    /// idle workers from busy ones.
    TokioMulti,
}

impl Runtime {
    /// Its name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Ghetto => "ghetto-loop",
            Runtime::Tokio => "tokio",
            Runtime::TokioMulti => "tokio-mt",
        }
    }

    /// `ghetto`, `tokio` or `tokio-mt`, as the command line spells them.
    pub fn parse(word: &str) -> Option<Runtime> {
        match word {
            "ghetto" | "ghetto-loop" => Some(Runtime::Ghetto),
            "tokio" => Some(Runtime::Tokio),
            "tokio-mt" | "tokio-multi" => Some(Runtime::TokioMulti),
            _ => None,
        }
    }

    /// Whether it runs tasks on many threads by itself (then one of it
    /// serves every core, and there is nothing to run per core).
    pub fn is_multi_thread(self) -> bool {
        self == Runtime::TokioMulti
    }

    /// Runs the app on this thread until `stop` (see `shell::serve`).
    pub fn serve(
        self,
        config: Config,
        stop: Stop,
        ready: impl FnOnce(Addrs),
    ) -> io::Result<ShutdownReport> {
        match self {
            Runtime::Ghetto => on_ghetto::serve(config, stop, ready),
            Runtime::Tokio => on_tokio::serve(config, stop, ready),
            Runtime::TokioMulti => on_tokio_mt::serve(config, stop, ready),
        }
    }

    /// Runs `plan` against `addr` on this thread (ghetto-loop on
    /// `selector`).
    pub fn fetch(
        self,
        selector: SelectorKind,
        addr: SocketAddr,
        plan: FetchPlan,
    ) -> io::Result<FetchReport> {
        match self {
            Runtime::Ghetto => on_ghetto::fetch(selector, addr, plan),
            Runtime::Tokio => on_tokio::fetch(selector, addr, plan),
            Runtime::TokioMulti => on_tokio_mt::fetch(selector, addr, plan),
        }
    }
}

/// An app running in threads of its own.
#[derive(Debug)]
pub struct Running {
    /// Where it listens (the first core's addresses, with `per_core`).
    pub addrs: Addrs,
    stop: Stop,
    threads: Vec<thread::JoinHandle<io::Result<ShutdownReport>>>,
}

impl Running {
    /// The switch that shuts it down.
    pub fn stop_switch(&self) -> Stop {
        self.stop.clone()
    }

    /// Throws the switch and waits for every core; returns the first
    /// core's report.
    pub fn shut_down(self) -> io::Result<ShutdownReport> {
        self.stop.trigger();
        self.wait()
    }

    /// Waits for every core to end (after the switch, or a signal).
    pub fn wait(self) -> io::Result<ShutdownReport> {
        let mut first = None;
        for t in self.threads {
            let report = t
                .join()
                .map_err(|_| io::Error::other("a server thread panicked"))??;
            first.get_or_insert(report);
        }
        first.ok_or_else(|| io::Error::other("no server thread ran"))
    }
}

/// Starts the app on `runtime` in `cores` threads (1: one thread, as the
/// course's loop; more: one loop per thread, their HTTP listeners sharing
/// one port with `SO_REUSEPORT`, the chat and the signals on the first).
/// A multi-thread runtime is started once, whatever `cores` says: it has a
/// worker per core of its own. Returns once every core listens.
pub fn start(runtime: Runtime, config: Config, cores: usize) -> io::Result<Running> {
    let loops = if runtime.is_multi_thread() {
        1
    } else {
        cores.max(1)
    };
    let stop = Stop::new();
    let mut config = config;
    config.reuse_port |= loops > 1;
    let mut threads = Vec::new();
    let mut first = None;
    for core in 0..loops {
        let (tx, rx) = std_mpsc::channel();
        let (core_config, core_stop) = (config.clone(), stop.clone());
        let name = format!("{}-core-{core}", runtime.name());
        threads.push(thread::Builder::new().name(name).spawn(move || {
            runtime.serve(core_config, core_stop, move |addrs| {
                let _ = tx.send(addrs);
            })
        })?);
        let addrs = match rx.recv_timeout(course::testing::PATIENCE) {
            Ok(addrs) => addrs,
            Err(_) => {
                stop.trigger();
                let error = match threads.pop().map(thread::JoinHandle::join) {
                    Some(Ok(Err(e))) => e,
                    _ => io::Error::other("a server thread did not start"),
                };
                for t in threads {
                    let _ = t.join();
                }
                return Err(error);
            }
        };
        // The other cores join the first one's port, without a chat or
        // signal handlers of their own.
        config.http = addrs.http;
        config.chat = None;
        config.signals = false;
        first.get_or_insert(addrs);
    }
    Ok(Running {
        addrs: first.ok_or_else(|| io::Error::other("no core started"))?,
        stop,
        threads,
    })
}

/// Serves the whole app on `runtime` and `cores` threads until a signal:
/// the chat on an ephemeral port, HTTP on `addr`; announces the HTTP
/// address with one `listening on` line.
pub fn serve_until_signal(runtime: Runtime, addr: SocketAddr, cores: usize) -> anyhow::Result<()> {
    ghetto_loop::sys::raise_fd_limit()?;
    let mut config = Config::new(SocketAddr::new(addr.ip(), 0), addr);
    config.signals = true;
    config.selector = SelectorKind::from_env()?;
    let running = start(runtime, config, cores)?;
    course::cli::announce_listening(running.addrs.http);
    running.wait()?;
    Ok(())
}

/// The number of cores this process may use.
pub fn cores() -> usize {
    thread::available_parallelism().map_or(1, usize::from)
}

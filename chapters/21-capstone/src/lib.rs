//! Chapter 21: the capstone. One app, two runtimes: async is just an API.
//!
//! The app is a chat (chapter 12's rules), a small HTTP/1.1 server whose
//! `/status` page shows the chat's and its own live figures, and a
//! concurrent fetcher that loads the server. It runs on ghetto-loop, the
//! runtime this course built, and on tokio (its current-thread runtime,
//! and its multi-thread work-stealing one), with only the runtime's names
//! changed:
//!
//! * [`app`]: the core, no I/O and no runtime: the HTTP parser, routes and
//!   responses, the chat room's rules, the fetcher's bookkeeping.
//! * `shell.rs`: the async code, written once; [`on_ghetto`],
//!   [`on_tokio`] and [`on_tokio_mt`] each bring a runtime's names and
//!   compile it; [`sharing`] has the two ways its tasks share state.
//! * [`stop`]: the switch that stops the app, a future every runtime can
//!   await and any thread can throw.
//! * [`run`]: which runtime, how many cores, a thread of its own.
//! * [`probe`]: blocking clients for the demo and the tests.
//! * [`demo`]: the app on each runtime, side by side.
//!
//! The entry points below serve the whole app until killed (the chat on an
//! ephemeral port, HTTP on `addr`) and print one `listening on` line with
//! the HTTP address; the fetchers run a [`FetchPlan`] on this thread.
//!
//! ```no_run
//! use ch21_capstone::{FetchPlan, fetch_ghetto};
//!
//! let report = fetch_ghetto("127.0.0.1:8080".parse()?, FetchPlan::default())?;
//! println!("{report}");
//! # Ok::<(), anyhow::Error>(())
//! ```
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod app;
pub mod config;
pub mod demo;
pub mod on_ghetto;
pub mod on_tokio;
pub mod on_tokio_mt;
pub mod probe;
pub mod run;
pub mod sharing;
pub mod stop;

use std::net::SocketAddr;

pub use app::fetch::{FetchPlan, FetchReport};
pub use config::{Addrs, Config, ShutdownReport};
pub use run::{Running, Runtime, start};
pub use stop::Stop;

/// The app on one ghetto-loop (selector from `GHETTO_SELECTOR`).
pub fn serve_http_ghetto(addr: SocketAddr) -> anyhow::Result<()> {
    run::serve_until_signal(Runtime::Ghetto, addr, 1)
}

/// The app on one tokio current-thread runtime.
pub fn serve_http_tokio(addr: SocketAddr) -> anyhow::Result<()> {
    run::serve_until_signal(Runtime::Tokio, addr, 1)
}

/// The app on one ghetto-loop per core, sharing the HTTP port with
/// `SO_REUSEPORT`.
pub fn serve_http_ghetto_per_core(addr: SocketAddr) -> anyhow::Result<()> {
    run::serve_until_signal(Runtime::Ghetto, addr, run::cores())
}

/// The app on tokio's work-stealing multi-thread runtime: one listener,
/// one worker thread per core, and the scheduler spreads the connections'
/// tasks over the workers (idle workers steal from busy ones). The tasks
/// are `Send` and share the app's state behind a mutex.
pub fn serve_http_tokio_multi(addr: SocketAddr) -> anyhow::Result<()> {
    run::serve_until_signal(Runtime::TokioMulti, addr, run::cores())
}

/// Runs `plan` against `addr` on ghetto-loop (selector from
/// `GHETTO_SELECTOR`).
pub fn fetch_ghetto(addr: SocketAddr, plan: FetchPlan) -> anyhow::Result<FetchReport> {
    let selector = ghetto_loop::sys::SelectorKind::from_env()?;
    Ok(Runtime::Ghetto.fetch(selector, addr, plan)?)
}

/// Runs `plan` against `addr` on tokio's current-thread runtime.
pub fn fetch_tokio(addr: SocketAddr, plan: FetchPlan) -> anyhow::Result<FetchReport> {
    Ok(Runtime::Tokio.fetch(ghetto_loop::sys::SelectorKind::Epoll, addr, plan)?)
}

//! Helpers for the capstone's integration tests: the app started on a
//! given runtime, and a macro that runs one test on every runtime (tokio's
//! two schedulers, and ghetto-loop on every selector).
#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;

use ch21_capstone::Config;
use ch21_capstone::run::{Running, Runtime, start};
use ghetto_loop::sys::SelectorKind;

pub use ch21_capstone::probe::{ChatClient, HttpClient, PATIENCE, one_answer};
pub use course::testing::open_fds;

/// Which runtime a test runs on, and ghetto-loop's selector.
#[derive(Debug, Clone, Copy)]
pub struct On {
    pub runtime: Runtime,
    pub selector: SelectorKind,
}

impl On {
    /// Starts the app on one thread, on ephemeral ports, with `tweak`
    /// applied to the default configuration.
    pub fn start(self, tweak: impl FnOnce(&mut Config)) -> anyhow::Result<App> {
        let mut config = Config::local();
        config.selector = self.selector;
        tweak(&mut config);
        let running = start(self.runtime, config, 1)?;
        let chat = running
            .addrs
            .chat
            .ok_or_else(|| anyhow::anyhow!("no chat"))?;
        Ok(App {
            chat,
            http: running.addrs.http,
            running,
        })
    }
}

/// The app, running in a thread of its own.
pub struct App {
    pub chat: SocketAddr,
    pub http: SocketAddr,
    pub running: Running,
}

/// Turns one test into a test per runtime and selector:
///
/// ```text
/// on_every_runtime! {
///     /// What it shows.
///     fn name(on) { ...; Ok(()) }
/// }
/// ```
///
/// becomes `name::ghetto_select`, `name::ghetto_poll`, `name::ghetto_epoll`,
/// `name::tokio` (current-thread) and `name::tokio_mt` (multi-thread).
macro_rules! on_every_runtime {
    ($( $(#[doc = $doc:literal])* fn $name:ident($on:ident) $body:block )*) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use ch21_capstone::run::Runtime;
            use ghetto_loop::sys::SelectorKind;

            fn test($on: crate::util::On) -> anyhow::Result<()> $body

            #[test]
            fn ghetto_select() -> anyhow::Result<()> {
                test(crate::util::On { runtime: Runtime::Ghetto, selector: SelectorKind::Select })
            }

            #[test]
            fn ghetto_poll() -> anyhow::Result<()> {
                test(crate::util::On { runtime: Runtime::Ghetto, selector: SelectorKind::Poll })
            }

            #[test]
            fn ghetto_epoll() -> anyhow::Result<()> {
                test(crate::util::On { runtime: Runtime::Ghetto, selector: SelectorKind::Epoll })
            }

            #[test]
            fn tokio() -> anyhow::Result<()> {
                test(crate::util::On { runtime: Runtime::Tokio, selector: SelectorKind::Epoll })
            }

            #[test]
            fn tokio_mt() -> anyhow::Result<()> {
                test(crate::util::On { runtime: Runtime::TokioMulti, selector: SelectorKind::Epoll })
            }
        }
    )*};
}
pub(crate) use on_every_runtime;

//! ghetto-loop: a single-threaded async runtime, grown one module per chapter.
//!
//! Read it in chapter order. Each module names the chapter that brings it in
//! its first doc line, and uses only modules of its own or earlier chapters, so
//! a reader who stops after chapter N holds a complete runtime of N chapters.
//!
//! | chapter | module |
//! |---------|--------|
//! | 01 | [`sys`]: the `syscall!` helper and an owned socket |
//! | 03 | [`sys`]: non-blocking sockets, CPU time and fd limits (`CpuTime`, `raise_fd_limit`) |
//! | 04 | [`sys`]: the `Selector` contract, the `Doorbell`, and `select(2)` (`sys::Select`) |
//! | 05 | [`sys`]: `poll(2)` (`sys::Poll`) |
//! | 06 | [`sys`]: `epoll(7)` (`sys::Epoll`) and the run-time choice `sys::SelectorKind` |
//! | 11 | [`event_loop`]: `call_soon`, `call_later`, `add_reader`..., the ready queue and the timer heap |
//! | 12 | [`protocol`]: transports, protocols and `create_server` |
//! | 13 | [`future`]: the callback future, awaitable |
//! | 14 | [`task`]: `spawn`, `JoinHandle`, `block_on` and [`run`]; the task waker |
//! | 15 | [`net`]: `TcpListener`, `TcpStream` on the loop's reactor (`Registration`) |
//! | 16 | [`time`]: `sleep`, `timeout`, `interval`, `join`/`select`; the paused clock |
//! | 17 | [`sync`]: `Mutex`, `Semaphore`, `Event`, `oneshot`, `mpsc`, the scoped `Pool::with`, `Stream` |
//! | 18 | [`scope`]: task groups: children that end with their scope, errors reported together |
//! | 19 | [`blocking`]: `spawn_blocking` on a thread pool, DNS and files in it; debug mode and the loop's trace |
//! | 20 | [`signal`]: signals as fd events, by signalfd or a self-pipe; `ctrl_c` |
//!
//! `ARCHITECTURE.md` beside this crate's `Cargo.toml` is the map: where each
//! thing lives and what is never done.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
// Clippy warns when a macro expands caller-supplied expressions inside an
// `unsafe` block, since a caller may not notice the unsafety. `syscall!` is
// exactly that by design: a thin spelling of one libc call, and every call
// site carries its own `// SAFETY:` comment saying why its arguments are valid.
#![allow(clippy::macro_metavars_in_unsafe)]

#[cfg(not(target_os = "linux"))]
compile_error!(
    "ghetto-loop teaches Linux system calls (epoll, eventfd, signalfd, ucontext) \
     and builds only on Linux. Use a Linux machine, VM or container."
);

pub mod sys;

pub mod event_loop;
pub mod protocol;

pub mod blocking;
pub mod future;
pub mod net;
pub mod scope;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use task::run;

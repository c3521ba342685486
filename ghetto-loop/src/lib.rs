//! ghetto-loop: a single-threaded async runtime, grown one module per chapter.
//!
//! Read it in chapter order. Each module names the chapter that brings it in
//! its first doc line, and uses only modules of its own or earlier chapters, so
//! a reader who stops after chapter N holds a complete runtime of N chapters.
//!
//! | chapter | module |
//! |---------|--------|
//! | 01 | [`sys`]: the `syscall!` helper and an owned socket |
//!
//! `ARCHITECTURE.md` beside this crate's `Cargo.toml` is the map: where each
//! thing lives and what is never done.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

#[cfg(not(target_os = "linux"))]
compile_error!(
    "ghetto-loop teaches Linux system calls (epoll, eventfd, signalfd, ucontext) \
     and builds only on Linux. Use a Linux machine, VM or container."
);

pub mod sys;

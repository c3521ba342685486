//! Chapter 20: signals are very asynchronous; turn them into fd events.
//!
//! The signals are ghetto-loop's `signal` module and `sys/signals.rs`,
//! which this chapter brings. This crate holds what runs on them:
//!
//! * [`both_ways`]: a self-pipe and a signalfd on one loop; a signal
//!   raised before the first await; two raised before one read; `ctrl_c`.
//! * [`refused`]: the signals a listener refuses, and why.
//! * [`server`]: a line server that shuts down gracefully on SIGTERM or
//!   Ctrl-C; the `serve` command.
//! * [`demo`]: all of it, one part after the other, the shutdown with
//!   scripted clients.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod both_ways;
pub mod demo;
pub mod refused;
pub mod server;

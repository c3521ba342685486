//! Chapter 19: blocking calls stall the loop; move them to threads.
//!
//! The blocking world is ghetto-loop's `blocking` module (the pool,
//! `spawn_blocking`, DNS and files in it) and, on the loop's side, debug
//! mode's report of a slow poll (`event_loop/debug.rs`) and the trace
//! (`event_loop/trace.rs`), which this chapter brings. This crate holds
//! what runs on them:
//!
//! * [`pinger`]: a client thread that pings an echo server on a schedule
//!   and times each round trip.
//! * [`stall`]: the claim, measured: a task that blocks stalls every
//!   client; the same work in `spawn_blocking` stalls none.
//! * [`lookups`]: a name lookup and a file in the pool; a small pool that
//!   queues what it cannot run yet.
//! * [`hashing`]: CPU-bound work, a hash of a big buffer, on the loop's
//!   thread and then split across pool threads.
//! * [`tracefile`]: the loop's trace of a stall, read back and counted.
//! * [`commands`]: the `serve` command, a line server whose commands run
//!   in the pool (and one, `block`, that does not).
//! * [`demo`]: all of it, one part after the other.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod commands;
pub mod demo;
pub mod hashing;
pub mod lookups;
pub mod pinger;
pub mod stall;
pub mod tracefile;

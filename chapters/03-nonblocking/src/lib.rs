//! Chapter 03: `O_NONBLOCK` turns waiting into `EAGAIN`, and one thread can
//! serve many clients by asking each in turn; busy polling trades latency
//! for CPU.
//!
//! * [`server`]: a one-thread echo server that polls its listener and every
//!   client, round after round, and sleeps `interval` when nothing happened.
//! * [`demo`]: the same client against interval 0 and 30 ms, with the CPU
//!   time and the round-trip latency each one costs.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod server;

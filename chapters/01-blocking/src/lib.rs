//! Chapter 01: a socket is a file descriptor, and `accept` and `read` block
//! the whole thread.
//!
//! * [`server`]: the blocking echo server, written on ghetto-loop's
//!   `sys::Socket` (the runtime's OS layer, which this chapter brings).
//! * [`demo`]: one server, two clients, and the timeline that shows the
//!   second client waiting for the first to leave.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod server;

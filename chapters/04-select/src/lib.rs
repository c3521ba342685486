//! Chapter 04: `select(2)` waits for any of many fds, so one thread serves
//! many clients; and it stops at fd 1,023.
//!
//! * [`server`]: a one-thread echo server on ghetto-loop's `sys::Select`
//!   (the selector this chapter brings to the runtime).
//! * [`demo`]: the fd sets rebuilt every turn, the timeout, and the refusal
//!   of a client whose fd is past the limit while the others go on.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod server;

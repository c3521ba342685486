//! Chapter 04: `select(2)` waits for any of many fds, so one thread serves
//! many clients; and it stops at fd 1,023.
//!
//! * [`server`]: a one-thread echo server on ghetto-loop's `sys::Select`
//!   (the selector this chapter brings to the runtime), written against the
//!   `Selector` contract, so chapters 05 and 06 run it on their backends.
//! * [`trace`]: how a traced pass pictures one wait (here: the fd sets).
//! * [`demo`]: the fd sets rebuilt every pass, the timeout, and the refusal
//!   of a client whose fd is past the limit while the others go on.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod server;
pub mod trace;

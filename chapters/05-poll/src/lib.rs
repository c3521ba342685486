//! Chapter 05: `poll(2)` takes an array instead of bitmaps, so any fd fits;
//! but like `select` it hands the kernel every fd on every call.
//!
//! * [`server`]: chapter 04's one-thread echo server, on ghetto-loop's
//!   `sys::Poll` (the selector this chapter brings to the runtime).
//! * [`trace`]: how a traced pass pictures a `poll` wait.
//! * [`wait_cost`]: what one wait costs with N idle fds watched.
//! * [`demo`]: 1,100 clients on one thread, then one wait timed with 10 and
//!   with 5,000 idle fds.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod server;
pub mod trace;
pub mod wait_cost;

//! Chapter 06: epoll keeps the interest list in the kernel, so a wait costs
//! what is ready, not what is watched; and it can be level- or
//! edge-triggered.
//!
//! * [`server`]: chapter 04's one-thread echo server on any backend
//!   (`--selector select|poll|epoll`, or `GHETTO_SELECTOR`).
//! * [`triggers`]: level- and edge-triggered epoll, side by side, on a
//!   socket that is read but never drained.
//! * [`wait_cost`]: chapter 05's measurement of what one wait costs with N
//!   idle fds watched, here run on every backend.
//! * [`demo`]: the three, in that order, ending with a measured table.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod server;
pub mod triggers;
pub use ch05_poll::wait_cost;

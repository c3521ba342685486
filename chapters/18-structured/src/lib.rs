//! Chapter 18: spawning without joining leaks work; task groups bound it.
//!
//! The task groups are ghetto-loop's `scope` module, which this chapter
//! brings. This crate holds what runs on them:
//!
//! * [`noisy`]: a guard that writes in the diary when the future holding it
//!   is dropped before it finished, and the small worker every part uses.
//! * [`leak`]: a handler that spawns its upload and returns: the task runs
//!   on unowned and its error goes nowhere; then the same work in a group.
//! * [`siblings`]: the first failure cancels the other children, and every
//!   error is reported with its child's name.
//! * [`nested`]: groups inside groups: an error travels up, a `timeout`
//!   from outside travels down to every child.
//! * [`torn`]: cancellation is a drop at an `.await`: a report written in
//!   place is left torn, one written through a guarded temporary file is not.
//! * [`chat`]: a chat server in which every client is a group of two
//!   children, a reader and a writer; the `serve` command.
//! * [`demo`]: all of it, one part after the other.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod chat;
pub mod demo;
pub mod leak;
pub mod nested;
pub mod noisy;
pub mod siblings;
pub mod torn;

//! Chapter 15: the reactor turns fd readiness into wake-ups.
//!
//! The reactor is ghetto-loop's `event_loop::Registration` and `net`, which
//! this chapter brings. This crate holds what runs on it:
//!
//! * [`echo`]: an async/await echo server.
//! * [`compare`]: it and chapter 11's callback echo server, counted.
//! * [`passes`]: the loop's record of its passes while it serves requests.
//! * [`stack_kept`]: an error deep inside awaited `async fn`s, which keeps
//!   its callers (chapter 11's stack ripping, undone).
//! * [`demo`]: all of it, one part after the other.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod compare;
pub mod demo;
pub mod echo;
pub mod passes;
pub mod stack_kept;

//! Chapter 11: an event loop is a selector, a timer heap and a ready queue
//! of callbacks.
//!
//! The loop itself is ghetto-loop's `event_loop` module, which this chapter
//! brings. This crate holds what runs on it:
//!
//! * [`rules`]: the loop's rules, each visible in the timeline of one run.
//! * [`echo`]: an echo server written as callbacks on readers and writers.
//! * [`stack_ripping`]: an error inside a callback chain, and what it loses.
//! * [`demo`]: all three, one after the other.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod echo;
pub mod rules;
pub mod stack_ripping;

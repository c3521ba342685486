//! Chapter 02: a thread per client fixes chapter 01's waiting, at a price.
//!
//! * [`server`]: chapter 01's echo server with one change: each client gets
//!   a thread of its own.
//! * [`footprint`]: what the process costs right now (threads, resident and
//!   virtual memory), read from `/proc`.
//! * [`demo`]: 1, 100 and 1000 idle clients, and what each of them costs.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod footprint;
pub mod server;

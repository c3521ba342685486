//! Chapter 12: layers. Event loop, transport, protocol, application.
//!
//! The transports and protocols are ghetto-loop's `protocol` module, which
//! this chapter brings. This crate holds what is written on them:
//!
//! * [`lines`]: a byte stream split into lines, with a limit.
//! * [`chat`]: a chat server (nicknames, join and leave notices, broadcast)
//!   that survives bad input and clients that do not read.
//! * [`echo`]: an echo server as a protocol, with backpressure.
//! * [`demo`]: a chat with four clients, good and bad.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod chat;
pub mod demo;
pub mod echo;
pub mod lines;

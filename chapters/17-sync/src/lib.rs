//! Chapter 17: waiting for a resource must not block the loop.
//!
//! The primitives are ghetto-loop's `sync` module, which this chapter
//! brings. This crate holds what runs on them:
//!
//! * [`fetcher`]: ten "downloads" behind a `Semaphore(3)`: never more than
//!   three at once, and the permits handed on in the order jobs queued.
//! * [`backpressure`]: a producer and a slow consumer over a bounded
//!   channel: a full channel makes the producer wait.
//! * [`locks`]: two tasks that hold a lock across an `.await`; with the
//!   async `Mutex` the other waits and the loop goes on, with
//!   `std::sync::Mutex` the loop's only thread stops for good.
//! * [`pool`]: `Pool::with`, a resource whose release must itself await,
//!   released on every way out: a value, an error, a panic, a cancel.
//! * [`streams`]: async iteration: `Lines` over a socket, and an async
//!   generator written by hand as a state machine, beside the same thing
//!   as a task that sends into a channel.
//! * [`waiting_room`]: the `serve` command, a line server with a few
//!   seats; who comes when they are taken waits in line, FIFO.
//! * [`demo`]: all of it, one part after the other.
//!
//! Every timeline is written in chapter 16's [`Diary`],
//! which reads the loop's clock, so tests on a paused clock check the
//! exact times.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod backpressure;
pub mod demo;
pub mod fetcher;
pub mod locks;
pub mod pool;
pub mod streams;
pub mod waiting_room;

pub use ch16_timers::diary::Diary;

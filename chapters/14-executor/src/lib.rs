//! Chapter 14: a task is a future plus a place in the ready queue.
//!
//! The executor is ghetto-loop's `task` module and the loop's table of
//! tasks (`event_loop/tasks.rs`), which this chapter brings. This crate
//! holds what runs on them:
//!
//! * [`handles`]: `spawn` and `JoinHandle`: join, and detach by dropping.
//! * [`cancel`]: `abort`, and a task that panics while the others go on.
//! * [`wakers`]: a waker sent to another thread, and a task woken three
//!   times that is polled once.
//! * [`stall`]: a task that never awaits stops every other task;
//!   `yield_now` gives the loop back.
//! * [`nap`]: a tiny "wait a while" built from `call_later` and a
//!   `CallbackFuture`, until chapter 16 brings `sleep`.
//! * [`echo`]: `serve`, an echo server with one task per client.
//! * [`demo`]: all of the above, on one timeline.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod cancel;
pub mod demo;
pub mod echo;
pub mod handles;
pub mod nap;
pub mod stall;
pub mod wakers;

//! Chapter 16: timers live in a heap; the nearest one sets the wait.
//!
//! The timers are ghetto-loop's `time` module, the loop's timer heap
//! (`event_loop/timers.rs`) and its clock (`event_loop/clock.rs`), which
//! this chapter brings. This crate holds what runs on them:
//!
//! * [`diary`]: a log that stamps each line with the loop's clock, real or
//!   paused, so a test can check the virtual times a demo prints.
//! * [`ab`]: chapter 09's two tasks `a` and `b`, as `async fn`s.
//! * [`giving_up`]: `timeout` and `race`, and the futures they drop.
//! * [`ticks`]: an interval beside a consumer that stalls once, under each
//!   missed-tick behaviour.
//! * [`passes`]: the loop's record of its passes while sleeps wait: the
//!   nearest deadline is the selector's timeout.
//! * [`precision`]: how late a real 1 ms and 1.5 ms sleep wakes.
//! * [`idle`]: an echo server that says goodbye to clients idle too long
//!   (`timeout` around `read`); the `serve` command.
//! * [`demo`]: all of it, one part after the other.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod ab;
pub mod demo;
pub mod diary;
pub mod giving_up;
pub mod idle;
pub mod passes;
pub mod precision;
pub mod ticks;

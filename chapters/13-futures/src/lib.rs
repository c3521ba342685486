//! Chapter 13: a future is a result that is not there yet.
//!
//! The callback future itself is ghetto-loop's `future` module, which this
//! chapter brings. This crate holds the rest of the story, one idea a file:
//!
//! * [`callback`]: the asyncio-style future, pushed: `set_result` on one
//!   side, `add_done_callback` on the other, callbacks run by the loop.
//! * [`later`]: the smallest Rust future that says `Pending`: a value that
//!   is there only after being asked a few times.
//! * [`greet`]: an `async fn` and the state machine the compiler makes of
//!   it, written by hand next to it (chapter 08's generators, again).
//! * [`signal`], [`raw_waker`]: a waker twice, with `std::task::Wake` and
//!   by hand with a `RawWakerVTable`. Both count wakes and unpark a thread.
//! * [`block_on`]: the smallest executor: poll, park until woken, poll.
//! * [`thread_sleep`]: a future woken from another thread.
//! * [`bridge`]: the callback future awaited by a task: push meets pull.
//! * [`server`]: every line a client sends is answered by a future.
//! * [`demo`]: parts one to four, one after the other.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod block_on;
pub mod bridge;
pub mod callback;
pub mod demo;
pub mod greet;
pub mod later;
pub mod raw_waker;
pub mod server;
pub mod signal;
pub mod thread_sleep;

pub use block_on::{Finished, WakerKind, block_on};
pub use greet::{Greet, Voice, greet};
pub use later::Later;
pub use signal::Signal;
pub use thread_sleep::ThreadSleep;

//! Chapter 09: a cooperative scheduler.
//!
//! Chapter 08's generators pause at `yield` and wait to be resumed. Here
//! they yield *what they wait for*: "sleep for 0.5 s". A scheduler keeps a
//! wake-up time for each and, when nobody is due, sleeps the thread until the
//! nearest one. Two tasks that each sleep then overlap their waits, on one
//! thread, with no thread of their own, and without any of them blocking.
//!
//! * [`scheduler`]: [`Call`] (what a task asks for), [`Task`], [`Scheduler`]
//!   and [`run`].
//! * [`demo`]: the `a`/`b` timeline, and the same with a blocking sleep.
//! * [`server`]: an echo server on this scheduler, polling each socket
//!   between naps: what chapter 10 replaces with "wake me when it's ready".
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod scheduler;
pub mod server;

pub use scheduler::{Call, Scheduler, Task, run};

//! Chapter 08: generators, written by hand.
//!
//! A generator is a function that can stop in the middle, hand a value out,
//! and be resumed later from the same place. Python spells it `yield`; Rust
//! has it only on nightly, so this crate writes each generator as the state
//! machine the compiler would make: a struct of the locals that live across a
//! `yield`, an enum of where it paused, and a `resume` method.
//!
//! * [`generator`]: the [`Generator`] trait (`resume`, `throw`, `close`), the
//!   [`yield_from!`] macro for delegation, and [`iter`].
//! * [`fib`]: the simplest one, a generator used as an iterator.
//! * [`running_sum`]: values sent in, totals handed out; handles a `throw`.
//! * [`average`]: delegation (`yield from`) to the running sum.
//! * [`tree`]: a recursive generator, an in-order tree walk.
//!
//! Chapters 09 and 10 build schedulers on this trait.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod average;
pub mod demo;
pub mod fib;
pub mod generator;
pub mod running_sum;
pub mod server;
pub mod tree;

pub use average::Average;
pub use fib::Fib;
pub use generator::{Error, Generator, GeneratorState, Iter, iter};
pub use running_sum::{RunningSum, Summary};
pub use tree::{Tree, Walk};

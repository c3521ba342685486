//! Chapter 07: green threads, switched by hand with `swapcontext`.
//!
//! Until now one thread of code meant one kernel thread. A green thread is a
//! function with a stack of its own that a scheduler in user space switches
//! to and from; switching is saving one set of registers and loading
//! another. These are cooperative: a thread runs until it says
//! [`green::yield_now`], so one that never does stalls all the others.
//!
//! * [`context`]: the machine level: `mmap`'d stacks with a guard page, and
//!   `getcontext`/`makecontext`/`swapcontext`. All the `unsafe` is there.
//! * [`green`]: the scheduler: [`green::spawn`], [`green::yield_now`],
//!   [`green::run`].
//! * [`server`]: an echo server with a green thread per client, written as
//!   straight-line code that yields whenever a read or write would block.
//!
//! A detour: none of this goes into ghetto-loop, whose tasks (chapter 14)
//! are state machines like chapter 08's generators, not stacks.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod context;
pub mod demo;
pub mod green;
pub mod server;

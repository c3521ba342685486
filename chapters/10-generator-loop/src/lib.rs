//! Chapter 10: the generator loop, an async server with nothing hidden.
//!
//! Chapter 09's tasks yielded "sleep for d". These yield "resume me when this
//! socket is readable (or writable)", and the loop asks the kernel which
//! sockets are ready, with chapter 06's selectors. Per client, a generator;
//! socket calls as small generators (`accept`, `recv`, `sendall`) composed by
//! delegation; and one loop, one thread, that resumes whoever's socket is
//! ready. That is what asyncio was before `async`/`await`: generators,
//! `yield from` and a selector.
//!
//! * [`task`]: [`Call`] (what a task asks for) and [`Task`].
//! * [`io`]: [`io::accept`], [`io::recv`], [`io::sendall`].
//! * [`event_loop`]: the [`Loop`].
//! * [`server`]: the echo server, [`server::serve`].
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod demo;
pub mod event_loop;
pub mod io;
pub mod server;
pub mod task;

pub use event_loop::{Loop, Stats, Stopper};
pub use task::{Call, Task};

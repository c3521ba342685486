//! Teaching scaffolding shared by every chapter; not part of the runtime.
//!
//! * [`timeline`]: the `0.502 client-2 echoed "hi"` lines every demo prints.
//! * [`cli`]: `demo` (the default), `serve [ADDR]` and `client ADDR`, with
//!   usage and exit code 2 for bad arguments.
//! * [`client`]: the built-in line client, so no `nc` is needed.
//! * [`line_client`]: the line client demos and tests talk to servers with.
//! * [`server_process`]: a chapter's `serve` as a process of its own, for
//!   tests.
//! * [`testing`]: helpers for the chapters' tests (open fd count, bounded
//!   waits, `PATIENCE`).
//! * [`exercise`]: the switch between a learner's work, the starter and the
//!   reference solution, called from each exercise's `build.rs`.
//! * [`slides`], [`quoted`] and [`markdown`]: the checks that keep the decks
//!   and READMEs in step with what runs (slide width, quoted demo output,
//!   the slide index), and the decks' code as doctests.
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod cli;
pub mod client;
pub mod exercise;
pub mod line_client;
pub mod markdown;
pub mod quoted;
pub mod server_process;
pub mod slides;
pub mod testing;
pub mod timeline;

pub use timeline::Timeline;

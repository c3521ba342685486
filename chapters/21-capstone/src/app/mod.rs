//! The app's core: everything that does not depend on a runtime (chapter 21).
//!
//! Nothing here reads a socket, sleeps or spawns. Bytes and events go in,
//! answers come out: what to write to whom, and whether to close. That is
//! why the same core serves every shell, and why every rule of the app is
//! tested here without a network (`tests/core.rs`).
//!
//! * [`buffer`]: a read buffer that keeps the unfinished part of a stream.
//! * [`request`]: the incremental HTTP/1.1 request parser, with its limits.
//! * [`response`]: status codes and response encoding.
//! * [`routes`]: what each path answers.
//! * [`status`]: the shared figures and the `/status` JSON.
//! * [`chat`]: the chat room's rules as a state machine.
//! * [`fetch`]: the fetcher's bookkeeping: response parsing, latencies.
//! * [`diff`]: a line diff, to show two shells side by side.

pub mod buffer;
pub mod chat;
pub mod diff;
pub mod fetch;
pub mod request;
pub mod response;
pub mod routes;
pub mod status;

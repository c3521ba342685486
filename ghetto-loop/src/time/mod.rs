//! Time: `sleep`, `timeout`, `interval`, and futures that wait for other
//! futures (chapter 16).
//!
//! Time is just another input of the loop. A [`Sleep`] is an entry in the
//! loop's timer heap that holds its task's waker (`event_loop/timers.rs`);
//! the nearest entry sets how long the selector may wait; when it is due,
//! the pass wakes the task, which runs in that same pass. Everything else
//! here is built from that and from polling two futures in one:
//!
//! | here | tokio | asyncio |
//! |------|-------|---------|
//! | [`sleep`], [`sleep_until`] | `tokio::time::sleep`, `sleep_until` | `asyncio.sleep` |
//! | [`timeout`] | `tokio::time::timeout` | `asyncio.wait_for`, `asyncio.timeout` |
//! | [`interval`] | `tokio::time::interval` | (a loop around `sleep`) |
//! | [`join`], [`join_all`] | `tokio::join!`, `futures::future::join_all` | `asyncio.gather` |
//! | [`select`], [`race`] | `tokio::select!` | `asyncio.wait(..., FIRST_COMPLETED)` |
//!
//! # Cancellation safety
//!
//! Dropping a future cancels it: whatever it was waiting for is abandoned
//! at its last `.await`. So `timeout`, `select` and `race` are exactly as
//! safe as the futures they drop:
//!
//! * safe to drop halfway, nothing lost: `Sleep`, `Interval::tick`, a
//!   `JoinHandle` (the task goes on), `TcpListener::accept`,
//!   `TcpStream::read` and `write`, a `CallbackFuture`;
//! * loses data if dropped halfway: `TcpStream::read_exact` (bytes read so
//!   far are gone) and `write_all` (some prefix was sent, how much is not
//!   known). Put those inside a task, or loop over `read`/`write` yourself.
//!
//! `tests/time.rs` drops each of the first kind halfway and checks that
//! nothing was lost.
//!
//! # Precision
//!
//! A timer never fires early. How late it fires is the selector's wait
//! resolution plus the kernel's timer slack: epoll waits with
//! `epoll_pwait2` (nanoseconds; `epoll_wait`'s whole milliseconds where the
//! kernel is older than 5.11), poll with `ppoll`, select with microseconds,
//! and the loop's thread asks for 1 ns of timer slack. tokio's timer wheel
//! has 1 ms slots and rounds up, so its 1 ms sleep is about 1 ms late; a
//! binary heap has no slots to round to. (The price: a heap costs
//! O(log n) per timer where tokio's wheel costs O(1).)
//!
//! Tests of timing run on a paused clock ([`LoopHandle::pause_clock`]):
//! order is asserted, not milliseconds.
//!
//! [`LoopHandle::pause_clock`]: crate::event_loop::LoopHandle::pause_clock

mod combine;
mod interval;
mod sleep;
mod timeout;

pub use combine::{Either, join, join_all, race, select};
pub use interval::{Interval, MissedTick, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Elapsed, timeout};

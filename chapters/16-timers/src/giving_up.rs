//! `timeout` and `race`: waiting for the first of two things, and what
//! happens to the other one (chapter 16).
//!
//! Both poll two futures from one: the operation and a `sleep` for
//! `timeout`, two operations for `race`. The first to be ready gives the
//! answer; the other is **dropped** where it stood, at its last `.await`.
//! In Rust that drop *is* the cancellation: there is no exception thrown
//! into the loser, as asyncio's `cancel()` does; its destructors run, and
//! its timer leaves the heap (lazily, see `event_loop/timers.rs`).
//!
//! Each operation here holds a [`Noisy`] guard whose destructor writes a
//! line, so the diary shows the drop happening.

use std::time::Duration;

use ghetto_loop::time::{Elapsed, race, sleep, timeout};

use crate::diary::Diary;

/// How long `timeout` waits in the demo.
pub const PATIENCE: Duration = Duration::from_millis(300);

/// How long the slow operation would take (longer than [`PATIENCE`]).
pub const SLOW: Duration = Duration::from_secs(2);

/// How long the fast operation takes (shorter than [`PATIENCE`]).
pub const FAST: Duration = Duration::from_millis(50);

/// A guard that writes in the diary when its owner is dropped before it
/// finished: proof that the future was cancelled, not left to run.
#[derive(Debug)]
pub struct Noisy {
    diary: Diary,
    who: &'static str,
    /// Set when the operation completed; then the drop is not news.
    pub finished: bool,
}

impl Noisy {
    /// A guard for `who`.
    pub fn new(diary: &Diary, who: &'static str) -> Noisy {
        Noisy {
            diary: diary.clone(),
            who,
            finished: false,
        }
    }
}

impl Drop for Noisy {
    fn drop(&mut self) {
        if !self.finished {
            self.diary.log(
                self.who,
                "dropped halfway, at its .await: its destructor runs",
            );
        }
    }
}

/// An operation that takes `takes`, then returns `value`; it logs when it
/// starts, when it finishes, and when it is dropped before that.
pub async fn operation<T>(diary: &Diary, who: &'static str, takes: Duration, value: T) -> T {
    let mut guard = Noisy::new(diary, who);
    diary.log(who, format!("starts; needs {} ms", takes.as_millis()));
    sleep(takes).await;
    diary.log(who, "finished");
    guard.finished = true;
    value
}

/// What [`timeouts`] saw: the slow operation's result, then the fast one's.
pub type TwoTimeouts = (Result<&'static str, Elapsed>, Result<&'static str, Elapsed>);

/// `timeout(PATIENCE, ...)` around a slow operation, then a fast one.
pub async fn timeouts(diary: &Diary) -> TwoTimeouts {
    let slow = timeout(PATIENCE, operation(diary, "slow", SLOW, "slow's answer")).await;
    diary.log("timeout", format!("slow gave {}", shown(&slow)));
    let fast = timeout(PATIENCE, operation(diary, "fast", FAST, "fast's answer")).await;
    diary.log("timeout", format!("fast gave {}", shown(&fast)));
    (slow, fast)
}

/// `race` between a hare (100 ms) and a tortoise (400 ms): the winner's
/// name. The tortoise is dropped the moment the hare wins.
pub async fn hare_and_tortoise(diary: &Diary) -> &'static str {
    let winner = race(
        operation(diary, "tortoise", Duration::from_millis(400), "tortoise"),
        operation(diary, "hare", Duration::from_millis(100), "hare"),
    )
    .await;
    diary.log("race", format!("won by the {winner}"));
    winner
}

/// `Ok("x")` or `Err(timed out after 300ms)`, for the diary.
fn shown(result: &Result<&str, Elapsed>) -> String {
    match result {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => format!("Err({e})"),
    }
}

//! Part 2: an `async fn`, and the state machine the compiler turns it into,
//! written by hand beside it (chapter 13).
//!
//! ```text
//! async fn greet(voice, name) -> String {      enum Greet {
//!     voice.say("starts");                         Start       { voice, name },
//!     let greeting = Later::new("hello", 1)        FirstAwait  { voice, name, fut },
//!         .await;                                  SecondAwait { voice, greeting, fut },
//!     voice.say(..greeting..);                     Done,
//!     let who = Later::new(name, 2).await;     }
//!     voice.say(..who..);
//!     format!("{greeting}, {who}")
//! }
//! ```
//!
//! One variant per place the function can be paused (before the start, at
//! each `.await`), holding exactly the locals that are alive there; `poll`
//! is the body cut into pieces at the `.await`s. That is chapter 08's
//! generator with a different name for each part:
//!
//! | chapter 08 (generators)          | here (futures)                       |
//! |----------------------------------|--------------------------------------|
//! | `resume(sent)`                   | `poll(cx)`                           |
//! | `Yielded(value)`: paused         | `Pending`: paused, wake me later     |
//! | `Complete(value)`: returned      | `Ready(value)`: returned             |
//! | `yield_from!(sub)`               | `sub.await`                          |
//!
//! The difference: a generator's `Yielded` carries a value out to its
//! caller; a future's `Pending` carries nothing, because what it waits for
//! has been told already, through the waker in `cx`.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use course::Timeline;

use crate::later::Later;

/// Where both versions print their steps: a timeline, under a name.
#[derive(Debug, Clone)]
pub struct Voice {
    timeline: Timeline,
    who: &'static str,
}

impl Voice {
    /// Logs on `timeline` as `who`.
    pub fn new(timeline: &Timeline, who: &'static str) -> Voice {
        Voice {
            timeline: timeline.clone(),
            who,
        }
    }

    /// Logs one step.
    pub fn say(&self, what: impl Display) {
        self.timeline.log(self.who, what);
    }
}

/// The `async fn`, as you would write it. Calling it runs nothing: it
/// returns the compiler's state machine in its `Start` state.
pub async fn greet(voice: Voice, name: &'static str) -> String {
    voice.say("starts");
    let greeting = Later::new("hello", 1).await;
    voice.say(format!("got {greeting:?}"));
    let who = Later::new(name, 2).await;
    voice.say(format!("got {who:?}"));
    format!("{greeting}, {who}")
}

/// [`greet`], by hand: where it is paused, and what is alive there.
#[derive(Debug)]
pub enum Greet {
    /// Made, not yet polled: only the arguments exist.
    Start {
        /// Argument.
        voice: Voice,
        /// Argument.
        name: &'static str,
    },
    /// Paused at the first `.await`.
    FirstAwait {
        /// Still needed after this point.
        voice: Voice,
        /// Still needed: the second `.await` uses it.
        name: &'static str,
        /// The future being awaited.
        fut: Later<&'static str>,
    },
    /// Paused at the second `.await`. `name` is dead here, so it is gone;
    /// `greeting` was born at the first `.await` and lives to the end.
    SecondAwait {
        /// Still needed after this point.
        voice: Voice,
        /// The first `.await`'s result.
        greeting: &'static str,
        /// The future being awaited.
        fut: Later<&'static str>,
    },
    /// Returned (or panicked): polling again is a bug.
    Done,
}

impl Greet {
    /// What calling `greet(voice, name)` returns: nothing has run yet.
    pub fn new(voice: Voice, name: &'static str) -> Greet {
        Greet::Start { voice, name }
    }
}

impl Future for Greet {
    type Output = String;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        // Every field is `Unpin` and none points into the enum, so `Greet`
        // is `Unpin` and we may take a plain `&mut`. The compiler's version
        // cannot: a local borrowed across an `.await` would point into the
        // state machine itself, which is why `poll` takes `Pin` at all.
        let this = self.get_mut();
        // Each turn takes the state out (leaving `Done`, so a panic leaves
        // it finished) and puts the next one in. A `Pending` from the future
        // we await puts the same state back and returns at once: the
        // `yield_from!` of chapter 08, passing "not yet" up to our caller.
        loop {
            *this = match std::mem::replace(this, Greet::Done) {
                Greet::Start { voice, name } => {
                    voice.say("starts");
                    let fut = Later::new("hello", 1);
                    Greet::FirstAwait { voice, name, fut }
                }
                Greet::FirstAwait {
                    voice,
                    name,
                    mut fut,
                } => match Pin::new(&mut fut).poll(cx) {
                    Poll::Pending => {
                        *this = Greet::FirstAwait { voice, name, fut };
                        return Poll::Pending;
                    }
                    Poll::Ready(greeting) => {
                        voice.say(format!("got {greeting:?}"));
                        let fut = Later::new(name, 2);
                        Greet::SecondAwait {
                            voice,
                            greeting,
                            fut,
                        }
                    }
                },
                Greet::SecondAwait {
                    voice,
                    greeting,
                    mut fut,
                } => match Pin::new(&mut fut).poll(cx) {
                    Poll::Pending => {
                        *this = Greet::SecondAwait {
                            voice,
                            greeting,
                            fut,
                        };
                        return Poll::Pending;
                    }
                    Poll::Ready(who) => {
                        voice.say(format!("got {who:?}"));
                        // `this` stays `Done`.
                        return Poll::Ready(format!("{greeting}, {who}"));
                    }
                },
                Greet::Done => panic!("`Greet` polled after it completed"),
            };
        }
    }
}

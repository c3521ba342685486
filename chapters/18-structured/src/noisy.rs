//! A guard that says when it is dropped halfway, and the worker every part
//! of the demo spawns (chapter 18).
//!
//! Cancelling a task in Rust is dropping its future. Nothing is thrown into
//! it and it gets no chance to answer: it is simply never polled again, and
//! everything it owned is dropped where it stood, at its last `.await`. The
//! only code of its own that still runs is its destructors. A [`Noisy`]
//! guard is such a destructor, one that writes a line in the diary, so the
//! demo and the tests can see every cancellation happen, and count them.

use std::fmt::Display;
use std::time::Duration;

use ch16_timers::diary::Diary;
use ghetto_loop::scope::BoxError;
use ghetto_loop::time::sleep;

/// What a [`Noisy`] guard writes when it is dropped before [`finish`](Noisy::finish).
pub const DROPPED: &str = "dropped at its .await: its destructor ran";

/// Writes [`DROPPED`] in the diary, under its owner's name, when it is
/// dropped before its owner said it finished.
///
/// Only a drop halfway is news: a future that returns, `Ok` or `Err`,
/// calls [`finish`](Noisy::finish) on the way out.
#[derive(Debug)]
pub struct Noisy {
    diary: Diary,
    who: String,
    /// Which part of `who` this guards (`"reader"`), if not all of it.
    part: Option<&'static str>,
    /// Set by `finish`: then the drop is the normal end, not news.
    finished: bool,
}

impl Noisy {
    /// A guard for `who`.
    pub fn new(diary: &Diary, who: impl Display) -> Noisy {
        Noisy {
            diary: diary.clone(),
            who: who.to_string(),
            part: None,
            finished: false,
        }
    }

    /// A guard for one `part` of `who`: its line reads "reader dropped...".
    pub fn part_of(diary: &Diary, who: impl Display, part: &'static str) -> Noisy {
        let mut guard = Noisy::new(diary, who);
        guard.part = Some(part);
        guard
    }

    /// Marks the owner's work as done: the drop that follows stays quiet.
    pub fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for Noisy {
    fn drop(&mut self) {
        if !self.finished {
            match self.part {
                None => self.diary.log(&self.who, DROPPED),
                Some(part) => self.diary.log(&self.who, format!("{part} {DROPPED}")),
            }
        }
    }
}

/// A child's work: it starts, takes `takes` of loop time, then finishes, or
/// fails with `fails_with`. It holds a [`Noisy`] guard all along, so a
/// cancellation shows in the diary.
///
/// It takes its diary by value because a child of a group is a task of its
/// own, which may not borrow from its spawner (it is `'static`).
pub async fn work(
    diary: Diary,
    who: &'static str,
    takes: Duration,
    fails_with: Option<&'static str>,
) -> Result<(), BoxError> {
    let guard = Noisy::new(&diary, who);
    diary.log(who, format!("starts; needs {} ms", takes.as_millis()));
    sleep(takes).await;
    guard.finish();
    match fails_with {
        None => {
            diary.log(who, "finished");
            Ok(())
        }
        Some(error) => {
            diary.log(who, format!("fails: {error}"));
            Err(error.into())
        }
    }
}

/// How many lines of the diary say that `who` was dropped halfway.
pub fn drops_of(diary: &Diary, who: &str) -> usize {
    diary
        .lines()
        .iter()
        .filter(|l| l.who == who && l.what.ends_with(DROPPED))
        .count()
}

/// How many lines of the diary say that something was dropped halfway.
pub fn drops(diary: &Diary) -> usize {
    diary
        .lines()
        .iter()
        .filter(|l| l.what.ends_with(DROPPED))
        .count()
}

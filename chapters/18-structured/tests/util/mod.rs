//! What every test of this chapter needs: a paused loop and a diary on it.

// Each test file uses some of these helpers, not all.
#![allow(dead_code)]

use std::io;

use ch16_timers::diary::Diary;
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

/// A loop on a paused clock, and a quiet diary on its clock.
pub fn paused() -> io::Result<(EventLoop, Diary)> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    Ok((lp, diary))
}

/// The loop time, in ms, of the first line by `who` that contains `what`.
///
/// Panics with every line when there is none: the message a failing test
/// wants.
pub fn at(diary: &Diary, who: &str, what: &str) -> u128 {
    let steps = diary.steps();
    steps
        .iter()
        .find(|(_, w, s)| w == who && s.contains(what))
        .map(|(ms, _, _)| *ms)
        .unwrap_or_else(|| panic!("no line {who:?} {what:?} in {steps:#?}"))
}

/// The index of the first line by `who` that contains `what`.
pub fn index(diary: &Diary, who: &str, what: &str) -> usize {
    let steps = diary.steps();
    steps
        .iter()
        .position(|(_, w, s)| w == who && s.contains(what))
        .unwrap_or_else(|| panic!("no line {who:?} {what:?} in {steps:#?}"))
}

/// Whether any line by `who` contains `what`.
pub fn has(diary: &Diary, who: &str, what: &str) -> bool {
    diary
        .steps()
        .iter()
        .any(|(_, w, s)| w == who && s.contains(what))
}

//! Chapter 09's a/b timeline, reproduced with `async`/`await`: the same
//! order, and on a paused clock the exact times chapter 09 printed.

use std::io;

use ch16_timers::ab;
use ch16_timers::demo::CHAPTER_09;
use ch16_timers::diary::Diary;
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

/// Chapter 09's timeline with the times its scheduler aimed at, in ms.
const EXPECTED: [(u128, &str, &str); 5] = [
    (0, "a", "enter"),
    (0, "b", "enter"),
    (500, "b", "middle"),
    (1000, "a", "exit"),
    (1000, "b", "exit"),
];

fn steps(diary: &Diary) -> Vec<(u128, &'static str, &'static str)> {
    diary
        .steps()
        .into_iter()
        .map(|(at, who, what)| {
            let known = EXPECTED
                .iter()
                .find(|(_, w, e)| *w == who && *e == what)
                .unwrap_or_else(|| panic!("an unexpected line: {who} {what}"));
            (at, known.1, known.2)
        })
        .collect()
}

#[test]
fn joined_on_a_paused_clock_is_chapter_09s_timeline_to_the_millisecond() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    lp.block_on(ab::joined(&diary))?;
    assert_eq!(steps(&diary), EXPECTED);
    Ok(())
}

#[test]
fn as_two_spawned_tasks_too() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    lp.block_on(ab::spawned(&diary))?;
    assert_eq!(steps(&diary), EXPECTED);
    Ok(())
}

/// The deadlines of `a exit` and `b exit` tie on a paused clock (both at
/// exactly 1 s). The heap breaks ties by the order the timers were made:
/// `a`'s at 0 s, before `b`'s second one at 0.5 s, so `a` exits first, as
/// in chapter 09, where `b`'s deadline was a hair later on the real clock.
#[test]
fn the_tie_at_one_second_goes_to_the_earlier_timer() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    lp.block_on(ab::joined(&diary))?;
    let at = |who: &str, what: &str| {
        diary
            .lines()
            .iter()
            .position(|l| l.who == who && l.what == what)
            .expect("the line is there")
    };
    assert_eq!(
        diary.lines()[at("a", "exit")].at,
        diary.lines()[at("b", "exit")].at
    );
    assert!(at("a", "exit") < at("b", "exit"));
    Ok(())
}

/// Chapter 09's own demo, run here: its a/b lines are the ones this
/// chapter's demo checks for, in the same order.
#[test]
fn chapter_09s_demo_prints_the_same_sequence() {
    let timeline = Timeline::quiet();
    ch09_cooperative_scheduler::demo::cooperative(&timeline);
    let theirs: Vec<(String, String)> = timeline
        .events()
        .into_iter()
        .filter(|e| e.who == "a" || e.who == "b")
        .map(|e| (e.who, e.what))
        .collect();
    let ours: Vec<(String, String)> = CHAPTER_09
        .iter()
        .map(|(w, e)| (w.to_string(), e.to_string()))
        .collect();
    assert_eq!(theirs, ours);
}

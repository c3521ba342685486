//! The specification of exercise 07-1.

use std::cell::RefCell;
use std::rc::Rc;

use ch07_green_threads::context::Stack;
use ex07_1_scheduler::{run, spawn, yield_now};

fn log() -> Rc<RefCell<Vec<String>>> {
    Rc::new(RefCell::new(Vec::new()))
}

#[test]
fn threads_take_turns_at_each_yield() {
    let seen = log();
    for name in ["a", "b"] {
        let seen = seen.clone();
        spawn(move || {
            for step in 1..=3 {
                seen.borrow_mut().push(format!("{name}{step}"));
                yield_now();
            }
        })
        .unwrap();
    }
    assert_eq!(run(), 2, "two threads finished");
    assert_eq!(*seen.borrow(), ["a1", "b1", "a2", "b2", "a3", "b3"]);
}

#[test]
fn a_thread_spawned_by_a_thread_runs_too() {
    let seen = log();
    let outer = seen.clone();
    spawn(move || {
        let inner = outer.clone();
        spawn(move || inner.borrow_mut().push("child".into())).unwrap();
        outer.borrow_mut().push("parent".into());
    })
    .unwrap();
    assert_eq!(run(), 2);
    assert_eq!(*seen.borrow(), ["parent", "child"]);
}

#[test]
fn finished_threads_free_their_stacks() {
    let before = Stack::live();
    for _ in 0..20 {
        spawn(yield_now).unwrap();
    }
    assert_eq!(Stack::live(), before + 20);
    assert_eq!(run(), 20);
    assert_eq!(Stack::live(), before);
}

#[test]
fn many_threads_many_turns() {
    let turns = Rc::new(RefCell::new(0u32));
    for _ in 0..100 {
        let turns = turns.clone();
        spawn(move || {
            for _ in 0..10 {
                *turns.borrow_mut() += 1;
                yield_now();
            }
        })
        .unwrap();
    }
    assert_eq!(run(), 100);
    assert_eq!(*turns.borrow(), 1000);
}

#[test]
fn outside_a_green_thread_yield_returns_and_run_has_nothing_to_do() {
    yield_now();
    assert_eq!(run(), 0);
}

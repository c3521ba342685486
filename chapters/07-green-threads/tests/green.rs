//! Chapter 07's claims about green threads: they take turns only at
//! `yield_now`, one that never yields stalls the rest, their stacks have a
//! guard page and are unmapped when they finish, and a panic in one is
//! reported without disturbing the others.
//!
//! `make test` also runs this file under valgrind (scripts/valgrind.sh).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use ch07_green_threads::context::{MIN_STACK_SIZE, Stack};
use ch07_green_threads::demo;
use ch07_green_threads::green::{self, Panicked};

/// The mapping of /proc/self/maps that contains `addr`: (range, permissions).
fn mapping_of(addr: usize) -> Option<(std::ops::Range<usize>, String)> {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("/proc/self/maps");
    maps.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let (start, end) = fields.next()?.split_once('-')?;
        let range = usize::from_str_radix(start, 16).ok()?..usize::from_str_radix(end, 16).ok()?;
        let perms = fields.next()?.to_owned();
        range.contains(&addr).then_some((range, perms))
    })
}

#[test]
fn threads_take_turns_at_each_yield() {
    let log = Rc::new(RefCell::new(Vec::new()));
    for name in ["a", "b", "c"] {
        let log = log.clone();
        green::spawn(name, move || {
            for step in 1..=3 {
                log.borrow_mut().push(format!("{name}{step}"));
                green::yield_now();
            }
        })
        .unwrap();
    }
    let report = green::run();
    assert_eq!(report.finished, 3);
    assert!(report.panicked.is_empty());
    assert_eq!(
        *log.borrow(),
        ["a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3"]
    );
}

#[test]
fn without_a_yield_a_thread_runs_to_its_end() {
    // Cooperative: nothing interrupts a thread that does not yield, so each
    // one's steps come out together.
    let log = Rc::new(RefCell::new(Vec::new()));
    for name in ["a", "b"] {
        let log = log.clone();
        green::spawn(name, move || {
            for step in 1..=3 {
                log.borrow_mut().push(format!("{name}{step}"));
            }
        })
        .unwrap();
    }
    green::run();
    assert_eq!(*log.borrow(), ["a1", "a2", "a3", "b1", "b2", "b3"]);
}

#[test]
fn a_thread_that_never_yields_stalls_all_the_others() {
    let timeline = course::Timeline::quiet();
    demo::one_never_yields(&timeline).unwrap();
    let at = |who: &str, what: &str| {
        timeline
            .find(who, what)
            .unwrap_or_else(|| panic!("no {who} {what:?}"))
            .at
    };
    // Nobody ticked while greedy ran: its start and end come between two
    // consecutive ticks of each ticker.
    for ticker in ["ticker-1", "ticker-2"] {
        let before = timeline.position(ticker, "tick 1");
        let after = timeline.position(ticker, "tick 2");
        assert!(before < timeline.position("greedy", "computing"));
        assert!(timeline.position("greedy", "done") < after);
    }
    // ...so the ticker's wait was at least the whole spin (a lower bound by
    // construction, not a timing guess).
    let gap = at("ticker-1", "tick 2") - at("ticker-1", "tick 1");
    assert!(gap >= demo::GREEDY_SPIN, "{gap:?}");
    // While every thread yields, the ticks keep their pace: tick 3 comes
    // well before another spin's worth of time.
    let next = at("ticker-1", "tick 3") - at("ticker-1", "tick 2");
    assert!(next < demo::GREEDY_SPIN, "{next:?}");
}

#[test]
fn threads_can_spawn_threads() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let inner_log = log.clone();
    green::spawn("parent", move || {
        let child_log = inner_log.clone();
        green::spawn("child", move || child_log.borrow_mut().push("child ran"))
            .expect("spawn from a green thread");
        inner_log.borrow_mut().push("parent spawned");
        green::yield_now();
        inner_log.borrow_mut().push("parent resumed");
    })
    .unwrap();
    assert_eq!(green::run().finished, 2);
    assert_eq!(
        *log.borrow(),
        ["parent spawned", "child ran", "parent resumed"]
    );
}

#[test]
fn finished_threads_unmap_their_stacks() {
    let before = Stack::live();
    let seen = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..50 {
        let seen = seen.clone();
        green::spawn("t", move || {
            // An address on this thread's own stack, and its mapping.
            let local = 0u8;
            let addr = std::hint::black_box(&local) as *const u8 as usize;
            let (_, perms) = mapping_of(addr).expect("the stack is mapped");
            seen.borrow_mut().push((addr, perms));
            green::yield_now();
        })
        .unwrap();
    }
    assert_eq!(Stack::live(), before + 50);
    green::run();
    assert_eq!(Stack::live(), before, "every stack was dropped");
    for (addr, perms) in seen.borrow().iter() {
        assert!(perms.starts_with("rw"), "{perms}");
        assert_eq!(mapping_of(*addr), None, "{addr:#x} is still mapped");
    }
}

#[test]
fn a_stack_has_a_guard_page_right_below_it() {
    let stack = Stack::new(64 * 1024).unwrap();
    let guard = stack.guard();
    assert_eq!(guard.end, stack.bottom() as usize);
    let (guard_map, guard_perms) = mapping_of(guard.start).expect("guard mapped");
    assert!(
        guard_perms.starts_with("---"),
        "guard page is {guard_perms}"
    );
    assert!(guard_map.end >= guard.end);
    let (_, stack_perms) = mapping_of(stack.bottom() as usize).expect("stack mapped");
    assert!(stack_perms.starts_with("rw"), "stack is {stack_perms}");
    assert_eq!(stack.top() as usize % 16, 0, "the top is 16-byte aligned");
    assert!(stack.size() >= 64 * 1024);
}

#[test]
fn bad_stack_sizes_are_refused_with_a_reason() {
    let small = Stack::new(100).unwrap_err();
    assert_eq!(small.kind(), std::io::ErrorKind::InvalidInput);
    assert!(small.to_string().contains(&MIN_STACK_SIZE.to_string()));
    let huge = Stack::new(usize::MAX).unwrap_err();
    assert_eq!(huge.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn a_thread_has_room_for_deep_recursion() {
    /// Recursion that puts about 1 KiB per level on the stack.
    fn dig(depth: u32) -> u64 {
        let buf = std::hint::black_box([depth as u8; 1024]);
        if depth == 0 {
            u64::from(buf[0])
        } else {
            dig(depth - 1) + u64::from(buf[1023])
        }
    }
    let result = Rc::new(RefCell::new(0));
    let out = result.clone();
    // 64 levels of at least 1 KiB each (about twice that in a debug build)
    // on a 256 KiB stack.
    green::spawn_with_stack("digger", 256 * 1024, move || *out.borrow_mut() = dig(64)).unwrap();
    let report = green::run();
    assert!(report.panicked.is_empty(), "{:?}", report.panicked);
    assert_eq!(*result.borrow(), (1..=64u64).sum::<u64>());
}

#[test]
fn a_panic_is_reported_and_the_other_threads_go_on() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let before = Stack::live();
    for name in ["a", "boom", "b"] {
        let log = log.clone();
        green::spawn(name, move || {
            log.borrow_mut().push(format!("{name} 1"));
            green::yield_now();
            if name == "boom" {
                panic!("boom went off");
            }
            log.borrow_mut().push(format!("{name} 2"));
        })
        .unwrap();
    }
    let report = green::run();
    assert_eq!(report.finished, 3);
    assert_eq!(
        report.panicked,
        [Panicked {
            name: "boom".into(),
            message: "boom went off".into()
        }]
    );
    assert_eq!(*log.borrow(), ["a 1", "boom 1", "b 1", "a 2", "b 2"]);
    assert_eq!(
        Stack::live(),
        before,
        "the panicked thread's stack is freed too"
    );
}

#[test]
fn yield_now_outside_a_green_thread_returns_at_once() {
    assert_eq!(green::current(), None);
    green::yield_now();
    assert_eq!(green::run().finished, 0, "nothing to run");
}

#[test]
fn run_inside_a_green_thread_is_refused() {
    green::spawn("nested", || {
        green::run();
    })
    .unwrap();
    let report = green::run();
    assert_eq!(report.panicked.len(), 1);
    assert!(
        report.panicked[0].message.contains("inside a green thread"),
        "{:?}",
        report.panicked
    );
}

#[test]
fn the_current_thread_knows_its_name() {
    let seen = Rc::new(RefCell::new(None));
    let out = seen.clone();
    green::spawn("named", move || *out.borrow_mut() = green::current()).unwrap();
    green::run();
    assert_eq!(seen.borrow().as_deref(), Some("named"));
}

#[test]
fn the_demo_runs_and_frees_every_stack() {
    let timeline = course::Timeline::quiet();
    demo::taking_turns(&timeline).unwrap();
    timeline.position("run", "in strict rotation");
    timeline.position("run", "the shared counter (no lock) is 9");
    demo::what_it_costs(&timeline).unwrap();
    timeline.position("cost", &format!("{} stacks mapped", demo::MANY));
    timeline.position("cost", "0 of their stacks still mapped");
    // Bound the whole thing, so a scheduler that spins forever fails here.
    assert!(timeline.elapsed() < Duration::from_secs(60));
}

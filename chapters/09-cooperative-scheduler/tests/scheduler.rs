//! Chapter 09's claims: the scheduler resumes each task when its sleep is
//! up, nearest first, so sleeps overlap on one thread; it sleeps the thread
//! in between instead of spinning; and a task that blocks stalls them all.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ch08_generators::{Generator, GeneratorState};
use ch09_cooperative_scheduler::demo;
use ch09_cooperative_scheduler::{Call, Scheduler, Task, run};

/// A task that logs its name, then sleeps each of `naps` in turn, logging
/// after each.
struct Script {
    name: &'static str,
    naps: Vec<Duration>,
    step: usize,
    log: Rc<RefCell<Vec<String>>>,
}

impl Generator for Script {
    type Yield = Call;
    type Return = ();
    fn resume(&mut self, (): ()) -> GeneratorState<Call, ()> {
        self.log
            .borrow_mut()
            .push(format!("{}{}", self.name, self.step));
        self.step += 1;
        match self.naps.get(self.step - 1) {
            Some(nap) => GeneratorState::Yielded(Call::Sleep(*nap)),
            None => GeneratorState::Complete(()),
        }
    }
}

fn script(name: &'static str, naps: &[u64], log: &Rc<RefCell<Vec<String>>>) -> Task {
    Box::new(Script {
        name,
        naps: naps.iter().map(|ms| Duration::from_millis(*ms)).collect(),
        step: 0,
        log: log.clone(),
    })
}

/// CPU time this thread has used so far (`getrusage(RUSAGE_THREAD)`).
fn cpu_time() -> Duration {
    ghetto_loop::sys::CpuTime::this_thread()
        .expect("getrusage")
        .total()
}

#[test]
fn the_a_b_timeline_interleaves_and_the_sleeps_overlap() {
    let timeline = course::Timeline::quiet();
    demo::cooperative(&timeline);
    let order = [
        ("a", "enter"),
        ("b", "enter"),
        ("b", "middle"),
        ("a", "exit"),
        ("b", "exit"),
    ];
    let positions: Vec<usize> = order.iter().map(|(w, e)| timeline.position(w, e)).collect();
    assert!(positions.is_sorted(), "{positions:?}");
    let at = |who, what| timeline.find(who, what).unwrap().at;
    let start = at("a", "enter");
    // Lower bounds hold by construction (a sleep lasts at least as asked).
    // The upper bound is generous: it only has to tell overlapping sleeps
    // (1 s in all) from sleeps one after the other (2 s).
    assert!(at("b", "middle") - start >= Duration::from_millis(450));
    assert!(at("a", "exit") - start >= demo::NAP);
    let total = at("b", "exit") - start;
    assert!(total >= demo::NAP, "{total:?}");
    assert!(
        total < Duration::from_millis(1900),
        "the sleeps did not overlap: {total:?}"
    );
}

#[test]
fn a_blocking_sleep_stalls_the_other_task() {
    let timeline = course::Timeline::quiet();
    demo::blocking(&timeline);
    // b cannot start before a is done.
    assert!(timeline.position("a", "exit") < timeline.position("b", "enter"));
    let at = |who, what| timeline.find(who, what).unwrap().at;
    assert!(at("b", "enter") - at("a", "enter") >= demo::NAP);
    // Nothing overlapped: the run took a's 1 s plus b's 1 s.
    assert!(at("b", "exit") - at("a", "enter") >= 2 * demo::NAP);
    assert!(timeline.elapsed() < Duration::from_secs(6));
}

#[test]
fn the_nearest_wake_up_goes_first() {
    let log = Rc::new(RefCell::new(Vec::new()));
    run([
        script("slow", &[60], &log),
        script("fast", &[20], &log),
        script("mid", &[40], &log),
    ]);
    assert_eq!(
        *log.borrow(),
        ["slow0", "fast0", "mid0", "fast1", "mid1", "slow1"]
    );
}

#[test]
fn tasks_due_together_run_in_the_order_they_were_scheduled() {
    let log = Rc::new(RefCell::new(Vec::new()));
    run([script("a", &[0, 0], &log), script("b", &[0, 0], &log)]);
    assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn a_spawned_task_runs_before_its_parent_goes_on() {
    /// Spawns a `child` script, then logs once more.
    struct Parent(u8, Rc<RefCell<Vec<String>>>);
    impl Generator for Parent {
        type Yield = Call;
        type Return = ();
        fn resume(&mut self, (): ()) -> GeneratorState<Call, ()> {
            self.0 += 1;
            match self.0 {
                1 => GeneratorState::Yielded(Call::Spawn(script("child", &[], &self.1))),
                _ => {
                    self.1.borrow_mut().push("parent".into());
                    GeneratorState::Complete(())
                }
            }
        }
    }
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut scheduler = Scheduler::new();
    scheduler.spawn(Box::new(Parent(0, log.clone())));
    assert_eq!(scheduler.len(), 1);
    scheduler.run();
    assert!(scheduler.is_empty());
    assert_eq!(*log.borrow(), ["child0", "parent"]);
}

#[test]
fn the_scheduler_sleeps_rather_than_spins() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let (cpu_before, start) = (cpu_time(), Instant::now());
    run([script("a", &[300], &log), script("b", &[200, 100], &log)]);
    let (cpu, wall) = (cpu_time() - cpu_before, start.elapsed());
    assert!(wall >= Duration::from_millis(300));
    // A scheduler that looped until the next task was due would burn all
    // 300 ms; one that sleeps uses next to nothing.
    assert!(
        cpu < Duration::from_millis(100),
        "{cpu:?} of CPU in {wall:?}"
    );
}

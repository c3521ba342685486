//! The specification of exercise 09-1.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use ch08_generators::{Generator, GeneratorState};
use ex09_1_sleep::{Task, run};

/// Logs `name` and its step at each resume, sleeping `naps` in turn.
struct Script {
    name: &'static str,
    naps: Vec<u64>,
    step: usize,
    log: Rc<RefCell<Vec<(String, Instant)>>>,
}

impl Generator for Script {
    type Yield = Duration;
    type Return = ();
    fn resume(&mut self, (): ()) -> GeneratorState<Duration, ()> {
        self.log
            .borrow_mut()
            .push((format!("{}{}", self.name, self.step), Instant::now()));
        self.step += 1;
        match self.naps.get(self.step - 1) {
            Some(ms) => GeneratorState::Yielded(Duration::from_millis(*ms)),
            None => GeneratorState::Complete(()),
        }
    }
}

type Log = Rc<RefCell<Vec<(String, Instant)>>>;

fn script(name: &'static str, naps: &[u64], log: &Log) -> Task {
    Box::new(Script {
        name,
        naps: naps.to_vec(),
        step: 0,
        log: log.clone(),
    })
}

fn names(log: &Log) -> Vec<String> {
    log.borrow().iter().map(|(n, _)| n.clone()).collect()
}

fn at(log: &Log, name: &str) -> Instant {
    log.borrow().iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn the_nearest_wake_up_goes_first() {
    let log = Log::default();
    run(vec![
        script("slow", &[60], &log),
        script("fast", &[20], &log),
        script("mid", &[40], &log),
    ]);
    assert_eq!(
        names(&log),
        ["slow0", "fast0", "mid0", "fast1", "mid1", "slow1"]
    );
}

#[test]
fn ties_go_in_the_order_scheduled() {
    let log = Log::default();
    run(vec![script("a", &[0, 0], &log), script("b", &[0, 0], &log)]);
    assert_eq!(names(&log), ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn a_task_is_not_resumed_before_its_sleep_is_up() {
    let log = Log::default();
    run(vec![script("a", &[100, 50], &log)]);
    assert!(at(&log, "a1") - at(&log, "a0") >= Duration::from_millis(100));
    assert!(at(&log, "a2") - at(&log, "a1") >= Duration::from_millis(50));
}

#[test]
fn sleeps_overlap() {
    // Two tasks that sleep 200 ms each take about 200 ms together.
    let log = Log::default();
    let start = Instant::now();
    run(vec![script("a", &[200], &log), script("b", &[200], &log)]);
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(200));
    assert!(
        took < Duration::from_millis(380),
        "one after the other? {took:?}"
    );
}

#[test]
fn it_sleeps_instead_of_spinning() {
    /// CPU time this thread has used so far (`getrusage(RUSAGE_THREAD)`).
    fn cpu() -> Duration {
        ghetto_loop::sys::CpuTime::this_thread()
            .expect("getrusage")
            .total()
    }
    let log = Log::default();
    let before = cpu();
    run(vec![script("a", &[300], &log)]);
    let used = cpu() - before;
    // A sleeping `run` uses next to none; a spinning one all it is given,
    // which on a busy machine may be a third of the 300 ms, or less.
    assert!(
        used < Duration::from_millis(30),
        "{used:?} of CPU to wait 300 ms"
    );
}

#[test]
fn no_tasks_no_wait() {
    let start = Instant::now();
    run(Vec::new());
    assert!(start.elapsed() < Duration::from_secs(1));
}

//! Chapter 08's claims: each generator yields exactly the expected values in
//! order, takes values sent in, handles (or passes on) thrown errors, cleans
//! up when closed, and delegation forwards everything and hands back the
//! sub-generator's return value.

use std::cell::Cell;
use std::rc::Rc;

use ch08_generators::GeneratorState::{Complete, Yielded};
use ch08_generators::{
    Average, Fib, Generator, GeneratorState, RunningSum, Summary, Tree, iter, yield_from,
};

#[test]
fn fib_yields_the_sequence_one_resume_at_a_time_then_completes() {
    let mut fib = Fib::new(8);
    let mut got = Vec::new();
    // Resumed by hand until it stops yielding (that is, until it completes).
    while let Yielded(n) = fib.resume(()) {
        got.push(n);
    }
    assert_eq!(got, [0, 1, 1, 2, 3, 5, 8, 13]);
}

#[test]
fn fib_stops_at_the_last_number_that_fits_instead_of_overflowing() {
    let all: Vec<u64> = iter(Fib::new(u64::MAX)).collect();
    assert_eq!(all.len(), 94, "F(0) through F(93)");
    assert_eq!(all[93], 12_200_160_415_121_876_738);
    assert!(all.windows(3).all(|w| w[0] + w[1] == w[2]));
}

#[test]
fn a_generator_runs_nothing_until_resumed() {
    // A running sum that was never resumed has seen nothing: the first
    // value sent is the first one it counts (no priming resume).
    let mut sum = RunningSum::new();
    assert_eq!(sum.resume(Some(7)), Yielded(7));
}

#[test]
#[should_panic(expected = "resumed after it completed")]
fn resuming_a_completed_generator_is_a_bug_that_panics() {
    let mut fib = Fib::new(1);
    assert_eq!(fib.resume(()), Yielded(0));
    assert_eq!(fib.resume(()), Complete(()));
    fib.resume(());
}

#[test]
fn running_sum_takes_values_sent_in_and_returns_a_summary() {
    let mut sum = RunningSum::new();
    assert_eq!(sum.resume(Some(5)), Yielded(5));
    assert_eq!(sum.resume(Some(3)), Yielded(8));
    assert_eq!(sum.resume(Some(-10)), Yielded(-2));
    assert_eq!(
        sum.resume(None),
        Complete(Summary {
            total: -2,
            count: 3
        })
    );
}

#[test]
fn running_sum_saturates_instead_of_overflowing() {
    let mut sum = RunningSum::new();
    assert_eq!(sum.resume(Some(i64::MAX)), Yielded(i64::MAX));
    assert_eq!(sum.resume(Some(1)), Yielded(i64::MAX));
}

#[test]
fn a_generator_that_handles_a_throw_goes_on() {
    let mut sum = RunningSum::new();
    sum.resume(Some(1));
    sum.resume(Some(2));
    let state = sum
        .throw("bad input".into())
        .expect("RunningSum handles errors");
    assert_eq!(state, Yielded(0), "it started over");
    assert_eq!(sum.resume(Some(4)), Yielded(4));
    assert_eq!(sum.resume(None), Complete(Summary { total: 4, count: 1 }));
}

#[test]
fn an_error_a_generator_does_not_handle_comes_back_to_the_caller() {
    let mut fib = Fib::new(5);
    fib.resume(());
    let error = fib.throw("stop".into()).unwrap_err();
    assert_eq!(error.to_string(), "stop");
}

#[test]
fn close_drops_everything_the_generator_holds() {
    /// Counts how many times it was dropped.
    struct Held(Rc<Cell<u32>>);
    impl Drop for Held {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    /// Fib with something to clean up.
    struct Holding(Fib, #[allow(dead_code)] Held);
    impl Generator for Holding {
        type Yield = u64;
        type Return = ();
        fn resume(&mut self, (): ()) -> GeneratorState<u64, ()> {
            self.0.resume(())
        }
    }

    let drops = Rc::new(Cell::new(0));
    let mut g = Holding(Fib::new(100), Held(drops.clone()));
    g.resume(());
    g.resume(());
    assert_eq!(drops.get(), 0);
    g.close();
    assert_eq!(drops.get(), 1, "closing ran the cleanup at once");
}

#[test]
fn delegation_forwards_every_resume_and_returns_the_sub_result() {
    let mut average = Average::new();
    // The yields are the running sum's totals, passed through untouched.
    assert_eq!(average.resume(Some(4)), Yielded(4));
    assert_eq!(average.resume(Some(8)), Yielded(12));
    assert_eq!(average.resume(Some(9)), Yielded(21));
    // The sub-generator's return value (21 over 3) comes back to `average`.
    assert_eq!(average.resume(None), Complete(Some(7.0)));
}

#[test]
fn delegation_forwards_a_throw_to_the_sub_generator() {
    let mut average = Average::new();
    average.resume(Some(100));
    assert_eq!(
        average
            .throw("typo".into())
            .expect("the sub-generator handles it"),
        Yielded(0)
    );
    average.resume(Some(2));
    assert_eq!(average.resume(Some(4)), Yielded(6));
    assert_eq!(average.resume(None), Complete(Some(3.0)));
}

#[test]
fn average_of_nothing_is_none() {
    assert_eq!(Average::new().resume(None), Complete(None));
}

#[test]
fn yield_from_passes_sent_values_down_and_the_result_up() {
    /// `return (yield from running_sum()).total * 10`
    struct Tenfold(RunningSum);
    impl Generator<Option<i64>> for Tenfold {
        type Yield = i64;
        type Return = i64;
        fn resume(&mut self, sent: Option<i64>) -> GeneratorState<i64, i64> {
            let summary = yield_from!(self.0, sent);
            Complete(summary.total * 10)
        }
    }
    let mut g = Tenfold(RunningSum::new());
    assert_eq!(g.resume(Some(2)), Yielded(2));
    assert_eq!(g.resume(Some(3)), Yielded(5));
    assert_eq!(g.resume(None), Complete(50));
}

#[test]
fn the_recursive_walk_yields_in_order_and_returns_the_count() {
    let tree = Tree::from_values([50, 30, 70, 20, 40, 60, 80, 65]);
    let mut walk = tree.walk();
    let mut seen = Vec::new();
    let count = loop {
        match walk.resume(()) {
            Yielded(v) => seen.push(*v),
            Complete(count) => break count,
        }
    };
    assert_eq!(seen, [20, 30, 40, 50, 60, 65, 70, 80]);
    assert_eq!(count, 8);
}

#[test]
fn walking_an_empty_tree_completes_at_once_with_zero() {
    let tree: Tree<u8> = Tree::Empty;
    assert_eq!(tree.walk().resume(()), Complete(0));
}

#[test]
fn a_deep_tree_is_walked_through_every_level() {
    // Inserting in sorted order makes a 300-level linked list: each value
    // climbs up through every enclosing walk.
    let tree = Tree::from_values(0..300);
    let mut walk = tree.walk();
    for expected in 0..300 {
        assert_eq!(walk.resume(()), Yielded(&expected));
    }
    assert_eq!(walk.resume(()), Complete(300));
}

#[test]
fn iter_stops_for_good_after_completion() {
    let mut it = iter(Fib::new(2));
    assert_eq!(it.next(), Some(0));
    assert_eq!(it.next(), Some(1));
    assert_eq!(it.next(), None);
    // A completed generator is never resumed again (that would panic).
    assert_eq!(it.next(), None);
}

#[test]
fn the_demo_shows_each_generator_with_its_values() {
    let timeline = course::Timeline::quiet();
    ch08_generators::demo::run(&timeline).unwrap();
    let has = |who: &str, what: &str| timeline.position(who, what);
    has("fib", "fib(10) yielded 0 1 1 2 3 5 8 13 21 34");
    has("sum", "sent -2 -> Yielded(6)");
    has("sum", "threw an error -> Ok(Yielded(0))");
    has("fib", "came back as Err");
    assert!(has("fib", "then closed") < has("fib", "closed: dropping it"));
    has("average", "Complete(Some(7.0))");
    has("walk", "20 30 40 50 60 70 80; returned 7");
}

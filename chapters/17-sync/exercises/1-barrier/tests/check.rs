//! The specification of exercise 17-1: do not edit; make it pass.
//!
//! Every test runs on a paused clock: tasks arrive at the barrier at set
//! times, and the loop's clock says exactly when each got through.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use ex17_1_barrier::Barrier;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::task;
use ghetto_loop::time::{sleep, timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What one task saw in one round: (task, round, ms it got through, leader).
type Passed = (usize, usize, u128, bool);

/// Task `i` arrives `delays[i][r]` after the previous round, for each
/// round `r`; returns what every task saw, sorted by (round, task).
fn run(n: usize, delays: Vec<Vec<u64>>) -> io::Result<Vec<Passed>> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let mut passed = lp.block_on(async move {
        let start = LoopHandle::current().time();
        let barrier = Rc::new(Barrier::new(n));
        let seen = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = delays
            .into_iter()
            .enumerate()
            .map(|(i, rounds)| {
                let (barrier, seen) = (barrier.clone(), seen.clone());
                task::spawn(async move {
                    for (r, delay) in rounds.into_iter().enumerate() {
                        sleep(ms(delay)).await;
                        let leader = barrier.wait().await;
                        let at = (LoopHandle::current().time() - start).as_millis();
                        seen.borrow_mut().push((i, r, at, leader));
                    }
                })
            })
            .collect();
        // On the paused clock an hour passes at once when nothing else can
        // run: a round that never ends fails the test instead of hanging it.
        let all_through = async {
            for t in tasks {
                t.await.unwrap();
            }
        };
        timeout(Duration::from_secs(3600), all_through)
            .await
            .expect("some task never got through its barrier");
        seen.take()
    })?;
    passed.sort_by_key(|&(i, r, _, _)| (r, i));
    Ok(passed)
}

#[test]
fn all_pass_together_when_the_last_arrives() -> io::Result<()> {
    let passed = run(3, vec![vec![0], vec![10], vec![30]])?;
    let times: Vec<u128> = passed.iter().map(|p| p.2).collect();
    assert_eq!(
        times,
        [30, 30, 30],
        "nobody passes before the third arrives"
    );
    Ok(())
}

#[test]
fn the_last_arrival_is_the_one_leader() -> io::Result<()> {
    let passed = run(3, vec![vec![20], vec![50], vec![0]])?;
    let leaders: Vec<usize> = passed.iter().filter(|p| p.3).map(|p| p.0).collect();
    assert_eq!(
        leaders,
        [1],
        "task 1 came last, at 50 ms, and released the rest"
    );
    Ok(())
}

#[test]
fn a_second_round_waits_for_everyone_again() -> io::Result<()> {
    // Round 1 completes at 30 ms. In round 2, task 0 comes back at once
    // (30), task 1 at 40, task 2 at 130: the round completes at 130.
    let passed = run(3, vec![vec![0, 0], vec![10, 10], vec![30, 100]])?;
    let round =
        |r: usize| -> Vec<u128> { passed.iter().filter(|p| p.1 == r).map(|p| p.2).collect() };
    assert_eq!(round(0), [30, 30, 30]);
    assert_eq!(
        round(1),
        [130, 130, 130],
        "the fast one did not run through"
    );
    for r in 0..2 {
        let leaders = passed.iter().filter(|p| p.1 == r && p.3).count();
        assert_eq!(leaders, 1, "one leader in round {r}");
    }
    Ok(())
}

#[test]
fn many_rounds_of_tasks_that_arrive_at_once() -> io::Result<()> {
    let passed = run(4, vec![vec![0; 5]; 4])?;
    assert_eq!(passed.len(), 20, "4 tasks, 5 rounds each");
    assert_eq!(passed.iter().filter(|p| p.3).count(), 5, "a leader a round");
    assert!(passed.iter().all(|p| p.2 == 0), "no time needed to pass");
    Ok(())
}

#[test]
fn a_barrier_of_one_never_waits() -> io::Result<()> {
    let passed = run(1, vec![vec![5, 5, 5]])?;
    let seen: Vec<(u128, bool)> = passed.iter().map(|p| (p.2, p.3)).collect();
    assert_eq!(seen, [(5, true), (10, true), (15, true)]);
    Ok(())
}

#[test]
fn a_barrier_of_zero_behaves_as_a_barrier_of_one() -> io::Result<()> {
    let passed = run(0, vec![vec![5, 5]])?;
    let seen: Vec<(u128, bool)> = passed.iter().map(|p| (p.2, p.3)).collect();
    assert_eq!(seen, [(5, true), (10, true)]);
    Ok(())
}

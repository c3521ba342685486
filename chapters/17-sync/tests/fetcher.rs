//! The fetcher on a paused clock: never more than three downloads at once,
//! and permits handed on in the order the jobs queued, at the very moment
//! a download ends.

use std::io;
use std::rc::Rc;

use ch17_sync::Diary;
use ch17_sync::fetcher::{self, PERMITS};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::sync::Semaphore;
use ghetto_loop::task;

fn paused() -> io::Result<(EventLoop, Diary)> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    Ok((lp, diary))
}

#[test]
fn at_most_three_in_flight_and_permits_go_in_queue_order() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let seen = lp.block_on(fetcher::fetch_all(&diary, &fetcher::jobs(), PERMITS))?;
    assert_eq!(seen.max_in_flight, 3);
    assert_eq!(
        seen.queued,
        (3..10).collect::<Vec<_>>(),
        "seven had to wait"
    );
    assert_eq!(
        seen.started,
        (0..10).collect::<Vec<_>>(),
        "permits in the order the jobs asked"
    );
    // ...although the downloads finished in quite another order.
    assert_eq!(seen.finished, [1, 3, 2, 0, 6, 5, 4, 8, 7, 9]);
    Ok(())
}

/// Each waiting job starts at the exact instant some download ends: the
/// permit is handed over there and then, never left lying free.
#[test]
fn each_waiting_job_starts_the_moment_a_download_ends() -> io::Result<()> {
    let (lp, diary) = paused()?;
    lp.block_on(fetcher::fetch_all(&diary, &fetcher::jobs(), PERMITS))?;
    let at = |who: &str, what: &str| {
        diary
            .steps()
            .into_iter()
            .find(|(_, w, x)| w == who && x.contains(what))
            .map(|(ms, _, _)| ms)
            .unwrap_or_else(|| panic!("no {who} {what:?}"))
    };
    // (job, when it starts, the job whose end freed the permit)
    let hand_offs = [
        (3, 120, 1),
        (4, 210, 3),
        (5, 240, 2),
        (6, 300, 0),
        (7, 360, 6),
        (8, 390, 5),
        (9, 410, 4),
    ];
    for (job, start, freed_by) in hand_offs {
        let started = at(&format!("job-{job}"), "handed a permit");
        assert_eq!(started, start, "job-{job}");
        assert_eq!(at(&format!("job-{freed_by}"), "done"), start);
    }
    assert_eq!(at("fetcher", "all done"), 620);
    Ok(())
}

/// The one invariant behind the fairness: no permit is free while anyone
/// waits. A release hands the permit to the waiter before the waiter has
/// even run, so a newcomer finds nothing.
#[test]
fn no_permit_is_free_while_anyone_waits() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.block_on(async {
        let semaphore = Rc::new(Semaphore::new(1));
        let held = semaphore.acquire().await.unwrap();
        let waiter = {
            let semaphore = semaphore.clone();
            task::spawn(async move {
                let _permit = semaphore.acquire().await.unwrap();
            })
        };
        task::yield_now().await; // the waiter queues
        drop(held);
        // The waiter has not run yet, and the permit is already its own.
        assert_eq!(semaphore.available_permits(), 0);
        assert!(
            semaphore.try_acquire().is_err(),
            "a newcomer jumped the line"
        );
        waiter.await.unwrap();
        assert_eq!(semaphore.available_permits(), 1);
    })
}

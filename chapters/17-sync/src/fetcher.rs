//! A fetcher: ten "downloads" limited by a `Semaphore(3)` (chapter 17).
//!
//! Each job is a task that takes a permit, "downloads" (a `sleep` of its
//! own length, standing for the network), and drops its permit. Three
//! permits means three downloads at a time, whatever the number of jobs:
//! the shape of every connection limit, rate limit and worker pool.
//!
//! The fetcher shows two things the semaphore promises:
//!
//! * **At most three in flight.** A job counts itself in after it has its
//!   permit and out before it drops it; the highest count is recorded.
//! * **FIFO by hand-off.** Jobs that find no permit queue in the order they
//!   asked. When a running job finishes, its permit goes straight to the
//!   *first* job in line, before any task runs, whichever job it was that
//!   finished. So permits are granted in queue order even though the
//!   downloads finish in a quite different order.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::sync::Semaphore;
use ghetto_loop::task;
use ghetto_loop::time::sleep;

use crate::Diary;

/// How long each of the demo's ten downloads takes, in milliseconds.
pub const JOBS_MS: [u64; 10] = [300, 120, 240, 90, 200, 150, 60, 180, 100, 210];

/// How many downloads may run at once.
pub const PERMITS: usize = 3;

/// The demo's jobs as durations.
pub fn jobs() -> Vec<Duration> {
    JOBS_MS
        .iter()
        .map(|&ms| Duration::from_millis(ms))
        .collect()
}

/// What [`fetch_all`] saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched {
    /// The most downloads that ran at the same time.
    pub max_in_flight: usize,
    /// Jobs that found every permit taken, in the order they queued.
    pub queued: Vec<usize>,
    /// Jobs in the order they got their permit.
    pub started: Vec<usize>,
    /// Jobs in the order they finished.
    pub finished: Vec<usize>,
}

/// Runs one task per job, at most `permits` at a time, and waits for all.
pub async fn fetch_all(diary: &Diary, jobs: &[Duration], permits: usize) -> Fetched {
    let semaphore = Rc::new(Semaphore::new(permits));
    let seen = Rc::new(RefCell::new(Fetched::default()));
    let in_flight = Rc::new(RefCell::new(0usize));
    diary.log(
        "fetcher",
        format!(
            "{} jobs, Semaphore({permits}): at most {permits} downloads at a time",
            jobs.len()
        ),
    );
    let handles: Vec<_> = jobs
        .iter()
        .enumerate()
        .map(|(id, &takes)| {
            let (semaphore, seen, in_flight) = (semaphore.clone(), seen.clone(), in_flight.clone());
            let diary = diary.clone();
            task::spawn(async move {
                let who = format!("job-{id}");
                let asked = diary.now();
                // `try_acquire` first, only to tell the two cases apart in
                // the timeline; it never jumps the queue, so the order is
                // the same as with `acquire` alone.
                let mut queued = false;
                let permit = match semaphore.try_acquire() {
                    Ok(permit) => permit,
                    Err(_) => {
                        queued = true;
                        seen.borrow_mut().queued.push(id);
                        let place = seen.borrow().queued.len();
                        diary.log(
                            &who,
                            format!(
                                "all {permits} permits taken: waits in line, {place} queued so far"
                            ),
                        );
                        semaphore
                            .acquire()
                            .await
                            .expect("the fetcher never closes its semaphore")
                    }
                };
                let now = {
                    let mut n = in_flight.borrow_mut();
                    *n += 1;
                    *n
                };
                {
                    let mut seen = seen.borrow_mut();
                    seen.started.push(id);
                    seen.max_in_flight = seen.max_in_flight.max(now);
                }
                let waited = diary.now() - asked;
                let how = if !queued {
                    "got a permit at once".to_string()
                } else {
                    format!("handed a permit after {} ms in line", waited.as_millis())
                };
                diary.log(
                    &who,
                    format!(
                        "{how}; {now} in flight; downloads for {} ms",
                        takes.as_millis()
                    ),
                );
                sleep(takes).await; // the download
                *in_flight.borrow_mut() -= 1;
                seen.borrow_mut().finished.push(id);
                diary.log(&who, "done; drops its permit");
                drop(permit); // handed to the first job in line, if any
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("a fetch job never panics");
    }
    let seen = seen.borrow().clone();
    diary.log(
        "fetcher",
        format!(
            "all done; at most {} in flight; permits granted in the order {:?}; jobs finished in the order {:?}",
            seen.max_in_flight, seen.started, seen.finished
        ),
    );
    seen
}

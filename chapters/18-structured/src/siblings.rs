//! The first failure cancels the siblings; every error is reported
//! (chapter 18).
//!
//! Four children: two fetches that would take seconds, and two checks that
//! fail at the same instant, 100 ms in. The first failure the group sees
//! aborts every other child: each is dropped on the loop at its next turn,
//! and its guard says so. The group waits for those drops too, so when it
//! returns nothing of it is left running. Its error lists *both* failures,
//! each with its child's name: the second check had already failed when
//! the first failure's abort reached it, and an abort never takes a result
//! away from a task that has one.
//!
//! On a paused clock the two failures are due at exactly the same instant;
//! the timer heap fires them in the order they were made.

use std::time::Duration;

use ch16_timers::diary::Diary;
use ghetto_loop::scope::{GroupError, group};

use crate::noisy::work;

/// When the two checks fail.
pub const FAIL_AT: Duration = Duration::from_millis(100);

/// The children, in the order they are spawned: name, how long it takes,
/// and what it fails with.
pub const CHILDREN: [(&str, Duration, Option<&str>); 4] = [
    ("fetch-a", Duration::from_secs(1), None),
    ("fetch-b", Duration::from_secs(2), None),
    ("parse", FAIL_AT, Some("bad header")),
    ("checksum", FAIL_AT, Some("mismatch")),
];

/// Runs the four [`CHILDREN`] in a group, and logs each error it reports.
pub async fn first_failure(diary: &Diary) -> Result<(), GroupError> {
    let d = diary.clone();
    let result = group(|g| async move {
        for (name, takes, fails_with) in CHILDREN {
            g.spawn(name, work(d.clone(), name, takes, fails_with));
        }
        Ok(())
    })
    .await;
    if let Err(e) = &result {
        diary.log(
            "group",
            format!(
                "returned: {} errors, each with its child's name",
                e.errors().len()
            ),
        );
        for child in e.errors() {
            diary.log("group", format!("  {}: {}", child.name(), child.error()));
        }
    }
    result
}

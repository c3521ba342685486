//! A leaked background task, then the same work in a task group
//! (chapter 18).
//!
//! A request handler starts an upload and answers at once: the usual
//! "fire and forget". With `task::spawn` the upload is a task nobody owns.
//! It runs on after its handler returned, and when it fails, its `Err` is
//! the output of a task whose `JoinHandle` was dropped: it goes nowhere.
//! The caller was told "202 Accepted" and never hears otherwise.
//!
//! In a [`group`] the same handler cannot return before its children:
//! the group waits for the last one, and its error reaches the caller.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use ch16_timers::diary::Diary;
use ghetto_loop::scope::{BoxError, GroupError, group};
use ghetto_loop::task;
use ghetto_loop::time::sleep;

use crate::noisy::work;

/// How long the handler's own work takes.
pub const HANDLER: Duration = Duration::from_millis(50);

/// How long the upload takes before it fails.
pub const UPLOAD: Duration = Duration::from_millis(300);

/// How long the audit entry (the second child in the group) takes.
pub const AUDIT: Duration = Duration::from_millis(120);

/// How long the caller of the leaky handler goes on with other things,
/// long enough for the leaked upload to end meanwhile.
pub const AFTERWARDS: Duration = Duration::from_millis(400);

/// What the upload fails with.
pub const UPLOAD_ERROR: &str = "disk full";

/// The upload: [`UPLOAD`] of work, then [`UPLOAD_ERROR`].
pub async fn upload(diary: Diary) -> Result<(), BoxError> {
    work(diary, "upload", UPLOAD, Some(UPLOAD_ERROR)).await
}

/// Spawns the upload, drops its `JoinHandle`, and answers after its own
/// [`HANDLER`] of work.
pub async fn leaky_handler(diary: &Diary) -> &'static str {
    // When the handler returned, on the loop's clock: only so that the
    // upload can say how long it outlived its spawner.
    let returned_at = Rc::new(Cell::new(None));
    let (d, returned) = (diary.clone(), returned_at.clone());
    diary.log(
        "handler",
        "task::spawn(upload), and drops the JoinHandle: nobody will await it",
    );
    let detached = task::spawn_named("upload", async move {
        let result = upload(d.clone()).await;
        // This line is us looking. Delete it and the failure leaves no
        // trace at all: the `Err` below is the output of a task whose
        // handle is gone, and it is dropped with the task.
        if let (Err(error), Some(at)) = (&result, returned.get()) {
            d.log(
                "upload",
                format!(
                    "ran {} ms after its spawner returned; its Err({error}) goes to a JoinHandle nobody holds",
                    (d.now() - at).as_millis()
                ),
            );
        }
        result
    });
    drop(detached);
    sleep(HANDLER).await;
    returned_at.set(Some(diary.now()));
    diary.log("handler", "returns \"202 Accepted\"");
    "202 Accepted"
}

/// Part 1: calls the leaky handler, then goes on with other work for
/// [`AFTERWARDS`], while the upload runs on unowned.
pub async fn leak(diary: &Diary) {
    let status = leaky_handler(diary).await;
    diary.log(
        "caller",
        format!("got {status:?}; believes the work is done, and goes on with other things"),
    );
    sleep(AFTERWARDS).await;
    diary.log(
        "caller",
        "never heard of the upload's failure: a detached task has nobody to tell",
    );
}

/// The same handler in a [`group`]: the upload and an audit entry are
/// its children, and the group answers only when both are over.
pub async fn handler_in_group(diary: &Diary) -> Result<&'static str, GroupError> {
    let d = diary.clone();
    group(|g| async move {
        g.spawn("upload", upload(d.clone()));
        g.spawn("audit", work(d.clone(), "audit", AUDIT, None));
        sleep(HANDLER).await;
        d.log(
            "handler",
            "body returns \"202 Accepted\"; the group still waits for its children",
        );
        Ok("202 Accepted")
    })
    .await
}

/// Part 2: calls the handler in a group and shows what came back, and when.
pub async fn owned(diary: &Diary) -> Result<&'static str, GroupError> {
    let start = diary.now();
    let result = handler_in_group(diary).await;
    let took = (diary.now() - start).as_millis();
    match &result {
        Ok(status) => diary.log(
            "caller",
            format!("group returned after {took} ms: {status:?}"),
        ),
        Err(e) => diary.log(
            "caller",
            format!("group returned after {took} ms, with its last child: Err({e})"),
        ),
    }
    result
}

//! A detached task outlives its spawner and its error goes nowhere; the
//! same work in a group returns with its last child, error included.

mod util;

use std::io;

use ch18_structured::leak::{self, AUDIT, HANDLER, UPLOAD, UPLOAD_ERROR};
use util::{at, has, index, paused};

#[test]
fn the_leaked_upload_outlives_its_handler() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let status = lp.block_on(leak::leaky_handler(&diary))?;
    // The handler answered success, before the upload was anywhere near done.
    assert_eq!(status, "202 Accepted");
    assert_eq!(diary.now(), HANDLER);
    assert!(!has(&diary, "upload", "fails"), "not yet");
    // The caller goes on; the upload runs on, unowned, and fails later.
    lp.block_on(ghetto_loop::time::sleep(leak::AFTERWARDS))?;
    assert_eq!(at(&diary, "upload", "fails"), UPLOAD.as_millis());
    let after = (UPLOAD - HANDLER).as_millis();
    assert!(has(
        &diary,
        "upload",
        &format!("ran {after} ms after its spawner returned")
    ));
    Ok(())
}

#[test]
fn nobody_hears_of_the_leaked_failure() -> io::Result<()> {
    let (lp, diary) = paused()?;
    lp.block_on(leak::leak(&diary))?;
    // The caller's view: success, then nothing. The failure exists only in
    // the lines the upload wrote itself.
    assert!(index(&diary, "caller", "got \"202 Accepted\"") < index(&diary, "upload", "fails"));
    let heard: Vec<_> = diary
        .steps()
        .into_iter()
        .filter(|(_, who, what)| who == "caller" && what.contains(UPLOAD_ERROR))
        .collect();
    assert!(heard.is_empty(), "{heard:?}");
    Ok(())
}

#[test]
fn the_group_returns_with_its_last_child_and_its_error() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let err = lp.block_on(leak::handler_in_group(&diary))?.unwrap_err();
    // The body was done at 50 ms, the audit at 120: the group waited for
    // the upload, the last, and returned at the instant it ended.
    assert_eq!(at(&diary, "handler", "body returns"), HANDLER.as_millis());
    assert_eq!(at(&diary, "audit", "finished"), AUDIT.as_millis());
    assert_eq!(diary.now(), UPLOAD);
    assert_eq!(err.errors().len(), 1);
    assert_eq!(err.errors()[0].name(), "upload");
    assert_eq!(err.errors()[0].error().to_string(), UPLOAD_ERROR);
    Ok(())
}

//! The first failure cancels every sibling (their destructors run before
//! the group returns) and every error is reported by its child's name.

mod util;

use std::io;

use ch18_structured::noisy::{drops, drops_of};
use ch18_structured::siblings::{self, FAIL_AT};
use util::{at, has, index, paused};

#[test]
fn the_first_failure_cancels_the_siblings() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let result = lp.block_on(siblings::first_failure(&diary))?;
    assert!(result.is_err());
    // Both fetches were dropped, once each, at the instant of the failure,
    // and neither finished.
    assert_eq!(drops_of(&diary, "fetch-a"), 1);
    assert_eq!(drops_of(&diary, "fetch-b"), 1);
    assert_eq!(drops(&diary), 2);
    assert!(!has(&diary, "fetch-a", "finished"));
    assert!(!has(&diary, "fetch-b", "finished"));
    assert_eq!(at(&diary, "fetch-b", "dropped"), FAIL_AT.as_millis());
    // The group returned then, not when the slowest would have finished,
    // and only after the drops: nothing of it is left running.
    assert_eq!(diary.now(), FAIL_AT);
    assert!(index(&diary, "fetch-b", "dropped") < index(&diary, "group", "returned"));
    Ok(())
}

#[test]
fn every_error_is_reported_with_its_childs_name() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let err = lp.block_on(siblings::first_failure(&diary))?.unwrap_err();
    let reported: Vec<(String, String)> = err
        .errors()
        .iter()
        .map(|e| (e.name().to_owned(), e.error().to_string()))
        .collect();
    assert_eq!(
        reported,
        [
            ("parse".to_owned(), "bad header".to_owned()),
            ("checksum".to_owned(), "mismatch".to_owned())
        ]
    );
    assert_eq!(
        err.to_string(),
        "2 children of the task group failed: parse: bad header; checksum: mismatch"
    );
    Ok(())
}

//! The chat server: lines reach the others; a reader's failure cancels its
//! writer and closes only that connection; a client that leaves ends both
//! its children cleanly; dropping the server cancels every connection.

mod util;

use std::io;

use ch18_structured::demo::chat_clients;
use ch18_structured::noisy::drops_of;
use util::{has, index, paused};

fn run() -> io::Result<ch16_timers::diary::Diary> {
    let (lp, diary) = paused()?;
    lp.block_on(chat_clients::run(&diary))??;
    Ok(diary)
}

#[test]
fn a_line_goes_to_the_others() -> io::Result<()> {
    let diary = run()?;
    assert!(has(&diary, "bob", "got \"guest-1: hi all\""));
    assert!(
        !has(&diary, "ann", "got \"guest-1: hi all\""),
        "not back to ann"
    );
    Ok(())
}

#[test]
fn a_failed_reader_cancels_its_writer_and_only_its_connection() -> io::Result<()> {
    let diary = run()?;
    // guest-3 is mallory. Her reader failed (it returned, so it was not
    // dropped); the group cancelled her writer (dropped halfway).
    assert_eq!(drops_of(&diary, "guest-3"), 1);
    assert!(has(&diary, "guest-3", "writer dropped"));
    assert!(has(
        &diary,
        "guest-3",
        "connection closed: 1 child of the task group failed: reader: invalid utf-8"
    ));
    assert!(
        index(&diary, "guest-3", "writer dropped")
            < index(&diary, "mallory", "closed the connection")
    );
    // Everybody else went on.
    assert!(has(&diary, "ann", "got \"guest-3 left\""));
    assert!(has(&diary, "bob", "got \"guest-3 left\""));
    Ok(())
}

#[test]
fn a_client_that_leaves_ends_both_children_cleanly() -> io::Result<()> {
    let diary = run()?;
    assert!(has(&diary, "guest-2", "left; both children ended"));
    assert_eq!(drops_of(&diary, "guest-2"), 0, "nothing was cancelled");
    assert!(has(&diary, "ann", "got \"guest-2 left\""));
    Ok(())
}

#[test]
fn dropping_the_server_cancels_every_connection() -> io::Result<()> {
    let diary = run()?;
    assert!(has(&diary, "guest-1", "reader dropped"));
    assert!(has(&diary, "guest-1", "writer dropped"));
    let dropped = index(&diary, "server", "its future is dropped");
    assert!(dropped < index(&diary, "guest-1", "reader dropped"));
    assert!(index(&diary, "guest-1", "writer dropped") < index(&diary, "ann", "the server closed"));
    Ok(())
}

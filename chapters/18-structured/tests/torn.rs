//! A future dropped at an `.await` leaves its state as it was: a report
//! written in place is torn; one written through a guarded temporary file
//! leaves yesterday's report whole and no temporary file behind.

mod util;

use std::io;

use ch18_structured::torn::{self, Disk, END, REPORT, ROWS, TEMP};
use ghetto_loop::time::timeout;
use util::paused;

#[test]
fn the_in_place_writer_leaves_a_torn_report() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let after = lp.block_on(torn::cut_short(&diary))?;
    // 350 ms: the header and the three rows that came in, and no end.
    assert_eq!(
        after.in_place.unwrap(),
        ["report of today", "row 1", "row 2", "row 3"]
    );
    Ok(())
}

#[test]
fn the_guarded_writer_leaves_yesterdays_report_and_no_temp_file() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let after = lp.block_on(torn::cut_short(&diary))?;
    assert_eq!(after.atomic.unwrap(), torn::report_lines("yesterday", ROWS));
    assert!(!after.temp_left);
    Ok(())
}

#[test]
fn given_time_both_writers_write_the_whole_report() -> io::Result<()> {
    let (lp, diary) = paused()?;
    let today = torn::report_lines("today", ROWS);
    let (in_place, atomic) = (
        Disk::with_yesterdays_report(),
        Disk::with_yesterdays_report(),
    );
    let enough = torn::ROW_TAKES * (ROWS as u32 + 1);
    lp.block_on(async {
        timeout(enough, torn::write_in_place(&in_place, &diary)).await?;
        timeout(enough, torn::write_atomically(&atomic, &diary)).await
    })?
    .unwrap();
    assert_eq!(in_place.read(REPORT).unwrap(), today);
    assert_eq!(atomic.read(REPORT).unwrap(), today);
    assert_eq!(atomic.read(TEMP), None);
    assert_eq!(today.last().unwrap(), END);
    // Nothing was dropped halfway, so no guard wrote a line.
    assert!(diary.lines().is_empty());
    Ok(())
}

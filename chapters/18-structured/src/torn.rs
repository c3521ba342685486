//! Cancellation in Rust is drop: a report torn halfway, and one that is
//! not (chapter 18).
//!
//! A future dropped at an `.await` stops *there*: the lines after that
//! `.await` never run, and nothing tells the future it is being stopped.
//! What it leaves behind is whatever state it had reached. A report written
//! in place, line by line as the rows come in, is left with a header and a
//! few rows and no end: yesterday's full report is gone, and today's is
//! torn.
//!
//! The cure is to make the half-done state invisible and let a destructor
//! clean it up: write to `report.csv.tmp` and rename it over `report.csv`
//! only at the end, with a guard whose `Drop` removes the temporary file if
//! the rename never came. That works because removing a file does not need
//! to wait. A cleanup that must await (a `ROLLBACK` sent to a database, a
//! goodbye on a socket) cannot run in `Drop`, which is a plain function;
//! chapter 17's `Pool::with` awaits it in place, and spawns it when even
//! that scope is dropped.
//!
//! The "disk" here is a map in memory: the demo's tests can read it, and a
//! real file write would block the loop (chapter 19's subject).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use ch16_timers::diary::Diary;
use ghetto_loop::time::{Elapsed, sleep, timeout};

use crate::noisy::Noisy;

/// The file the report lives in.
pub const REPORT: &str = "report.csv";

/// Where the careful writer puts today's report until it is complete.
pub const TEMP: &str = "report.csv.tmp";

/// How many rows a report has.
pub const ROWS: usize = 10;

/// How long each row takes to come in (a query, say).
pub const ROW_TAKES: Duration = Duration::from_millis(100);

/// How long the caller lets a writer run: time for three rows, not ten.
pub const PATIENCE: Duration = Duration::from_millis(350);

/// The last line of a complete report.
pub const END: &str = "END";

/// A toy file system: file names and their lines. Clones share the files.
#[derive(Debug, Clone, Default)]
pub struct Disk {
    files: Rc<RefCell<BTreeMap<String, Vec<String>>>>,
}

impl Disk {
    /// A disk holding yesterday's complete report.
    pub fn with_yesterdays_report() -> Disk {
        let disk = Disk::default();
        disk.files
            .borrow_mut()
            .insert(REPORT.into(), report_lines("yesterday", ROWS));
        disk
    }

    /// Empties `name`, or creates it empty.
    pub fn create(&self, name: &str) {
        self.files.borrow_mut().insert(name.into(), Vec::new());
    }

    /// Adds a line at the end of `name` (which must exist).
    pub fn append(&self, name: &str, line: String) {
        if let Some(file) = self.files.borrow_mut().get_mut(name) {
            file.push(line);
        }
    }

    /// Moves `from` over `to`, in one step: a reader sees the old file or
    /// the new one, never a mix (what `rename(2)` promises on one file
    /// system).
    pub fn rename(&self, from: &str, to: &str) {
        let mut files = self.files.borrow_mut();
        if let Some(file) = files.remove(from) {
            files.insert(to.into(), file);
        }
    }

    /// Deletes `name`, if it is there.
    pub fn remove(&self, name: &str) {
        self.files.borrow_mut().remove(name);
    }

    /// The lines of `name`, or `None` if there is no such file.
    pub fn read(&self, name: &str) -> Option<Vec<String>> {
        self.files.borrow().get(name).cloned()
    }

    /// One line on what `name` holds now, for the diary.
    pub fn describe(&self, name: &str) -> String {
        match self.read(name) {
            None => format!("{name}: no such file"),
            Some(lines) => {
                let last = lines.last().map_or("", String::as_str);
                let whose = lines.first().map_or("", String::as_str);
                let state = if last == END {
                    "complete"
                } else {
                    "TORN: no END line"
                };
                format!("{name}: {} lines, \"{whose}\", {state}", lines.len())
            }
        }
    }
}

/// A complete report of `day` with `rows` rows: header, rows, `END`.
pub fn report_lines(day: &str, rows: usize) -> Vec<String> {
    let mut lines = vec![format!("report of {day}")];
    lines.extend((1..=rows).map(|i| format!("row {i}")));
    lines.push(END.into());
    lines
}

/// Writes today's report straight into [`REPORT`], each row as it comes.
pub async fn write_in_place(disk: &Disk, diary: &Diary) {
    let guard = Noisy::new(diary, "in-place");
    disk.create(REPORT);
    disk.append(REPORT, "report of today".into());
    for i in 1..=ROWS {
        sleep(ROW_TAKES).await; // a drop here leaves the file as it is
        disk.append(REPORT, format!("row {i}"));
    }
    disk.append(REPORT, END.into());
    guard.finish();
}

/// A temporary file that is removed when dropped, unless it was renamed
/// into place first. The cleanup is synchronous, so a destructor can do it.
#[derive(Debug)]
pub struct TempFile {
    disk: Disk,
    diary: Diary,
    name: &'static str,
    committed: bool,
}

impl TempFile {
    /// Creates `name`, empty.
    pub fn create(disk: &Disk, diary: &Diary, name: &'static str) -> TempFile {
        disk.create(name);
        TempFile {
            disk: disk.clone(),
            diary: diary.clone(),
            name,
            committed: false,
        }
    }

    /// Adds a line.
    pub fn append(&self, line: String) {
        self.disk.append(self.name, line);
    }

    /// Renames the file over `to`: the only moment readers see a change.
    pub fn commit(mut self, to: &str) {
        self.disk.rename(self.name, to);
        self.committed = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            self.disk.remove(self.name);
            self.diary.log(
                "temp file",
                format!(
                    "dropped before its commit: its destructor removes {}",
                    self.name
                ),
            );
        }
    }
}

/// Writes today's report to [`TEMP`], and renames it over [`REPORT`] once
/// it is complete.
pub async fn write_atomically(disk: &Disk, diary: &Diary) {
    let guard = Noisy::new(diary, "atomic");
    let temp = TempFile::create(disk, diary, TEMP);
    temp.append("report of today".into());
    for i in 1..=ROWS {
        sleep(ROW_TAKES).await; // a drop here drops `temp`, which cleans up
        temp.append(format!("row {i}"));
    }
    temp.append(END.into());
    temp.commit(REPORT);
    guard.finish();
}

/// What part 5 found on the disk after each writer was cut short.
#[derive(Debug)]
pub struct Aftermath {
    /// [`REPORT`] after the in-place writer was dropped.
    pub in_place: Option<Vec<String>>,
    /// [`REPORT`] after the careful writer was dropped.
    pub atomic: Option<Vec<String>>,
    /// Whether [`TEMP`] was left behind by the careful writer.
    pub temp_left: bool,
}

/// Part 5: each writer under a `timeout` of [`PATIENCE`], on a disk that
/// holds yesterday's report; what each left behind.
pub async fn cut_short(diary: &Diary) -> Aftermath {
    let disk = Disk::with_yesterdays_report();
    diary.log("disk", disk.describe(REPORT));
    diary.log("in-place", "writes report.csv directly, row by row");
    let timed_out = timeout(PATIENCE, write_in_place(&disk, diary)).await;
    diary.log("timeout", outcome(timed_out));
    diary.log("disk", disk.describe(REPORT));
    let in_place = disk.read(REPORT);

    let disk = Disk::with_yesterdays_report();
    diary.log(
        "atomic",
        "writes report.csv.tmp, renames it over report.csv at the end",
    );
    let timed_out = timeout(PATIENCE, write_atomically(&disk, diary)).await;
    diary.log("timeout", outcome(timed_out));
    diary.log("disk", disk.describe(REPORT));
    diary.log("disk", disk.describe(TEMP));
    Aftermath {
        in_place,
        atomic: disk.read(REPORT),
        temp_left: disk.read(TEMP).is_some(),
    }
}

/// What a `timeout` around a writer gave, for the diary.
fn outcome(result: Result<(), Elapsed>) -> String {
    match result {
        Ok(()) => "the writer finished in time".into(),
        Err(e) => format!("{e}: the writer was dropped at its .await"),
    }
}

//! The table of `make bench-counts`: its Markdown, the CSV kept beside it,
//! and the comparison of every figure with the run before.
//!
//! A count is worth something only if it repeats, so each run says how far
//! it moved: before writing `counts.csv` it reads the one the last run left
//! (kept as `counts.previous.csv`), and the table ends with the largest
//! change of any figure. The CSV also names the build (a hash of the bench
//! binary, which holds every server and both runtimes), so that `make
//! bench` can reuse the counts of the same build instead of counting again.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::fs;
use std::hash::Hasher;
use std::path::Path;

use anyhow::{Context, anyhow, bail};

use crate::servers;

/// The table, in Markdown.
pub const MARKDOWN: &str = "counts.md";
/// The same figures, one line per row, read back by the next run.
pub const CSV: &str = "counts.csv";
/// The CSV of the run before, kept for whoever wants to diff it.
pub const PREVIOUS: &str = "counts.previous.csv";

/// The servers that zero a 16 KiB read buffer before every read (chapter
/// 06's `[0u8; READ_CHUNK]`, chapter 10's `vec![0; max]`, chapter 11's
/// `[0u8; 16 * 1024]`): callgrind counts the `rep stos` once per element,
/// so that zeroing is most of their instructions per round trip.
const ZEROES_PER_READ: [&str; 3] = ["ch06-epoll", "ch10-generator-loop", "ch11-event-loop"];

/// Below this many system calls per operation for tokio, no ratio: a
/// fraction from the allocator's occasional `brk` is not a baseline. The
/// comparison with the last run measures a change against at least this
/// much, for the same reason.
const RATIO_FLOOR: f64 = 0.1;

/// The largest change between two runs that still counts as "the same".
pub const REPEATS_WITHIN: f64 = 0.01;

/// The columns of [`CSV`].
const CSV_HEADER: &str = "operation,runtime,instructions_per_op,syscalls_per_op,build,quick";

/// Picks one figure of a row: its instructions or its system calls.
type Pick = fn(&Row) -> &Result<f64, String>;

/// One row: a count per operation for one runtime or server.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The operation, as the table says it.
    pub what: String,
    /// The runtime or server.
    pub who: String,
    /// Instructions per operation, or why there is none.
    pub instructions: Result<f64, String>,
    /// System calls per operation, or why there is none.
    pub syscalls: Result<f64, String>,
}

/// Every row of one run, and what it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The rows, in the table's order.
    pub rows: Vec<Row>,
    /// A quick run: proves the counts come out, not a measurement.
    pub quick: bool,
    /// The build that counted them ([`build_id`]).
    pub build: String,
}

/// How far a run's figures moved from the run before.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The largest change of any figure both runs have, if any.
    pub largest: Option<Change>,
    /// Figures compared.
    pub compared: usize,
    /// Whether the run before was of the same build.
    pub same_build: bool,
}

/// One figure's change between two runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The row's operation and runtime.
    pub row: String,
    /// "instructions" or "system calls".
    pub column: &'static str,
    /// The figure before, and now.
    pub before: f64,
    /// The figure now.
    pub now: f64,
    /// `|now - before|` over `before` (at least [`RATIO_FLOOR`] system calls).
    pub share: f64,
}

/// The counts as `make bench`'s report carries them.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportCounts {
    /// The table.
    pub table: Table,
    /// How far it moved from the run before it.
    pub comparison: Option<Comparison>,
    /// Taken from the last `make bench-counts` of this same build, rather
    /// than counted by this run.
    pub reused: bool,
}

impl ReportCounts {
    /// The report's section: the table under a second-level heading, and
    /// where it comes from.
    pub fn markdown(&self) -> String {
        let mut md = self.table.markdown("##", self.comparison.as_ref());
        let _ = writeln!(
            md,
            "\nIn this report: {}. Apart from this table and the system calls per round \
             trip, every figure in this report is a timing (or a memory size) and moves \
             with whatever else the machine does; these do not.\n",
            if self.reused {
                "the table `make bench-counts` wrote for this same build, reused"
            } else {
                "counted by this run"
            }
        );
        md
    }
}

/// Which build this is: a hash of the running binary. The bench binary
/// holds every server it counts and both runtimes, so the same hash means
/// the same code was counted.
pub fn build_id() -> anyhow::Result<String> {
    let exe = crate::this_binary();
    let bytes = fs::read(&exe).with_context(|| format!("cannot read {}", exe.display()))?;
    let mut hasher = DefaultHasher::new();
    hasher.write(&bytes);
    Ok(format!("{:016x}", hasher.finish()))
}

impl Table {
    /// Writes the table into `out`: `counts.md`, `counts.csv`, and the
    /// last run's CSV as `counts.previous.csv`. Returns how far the figures
    /// moved since that run, if there was one of the same kind.
    pub fn write(&self, out: &Path) -> anyhow::Result<Option<Comparison>> {
        let csv = out.join(CSV);
        let before = match fs::read_to_string(&csv) {
            Ok(text) => {
                let previous = out.join(PREVIOUS);
                fs::write(&previous, &text)
                    .with_context(|| format!("cannot write {}", previous.display()))?;
                Table::from_csv(&text).ok()
            }
            Err(_) => None,
        };
        let comparison = before
            .filter(|before| before.quick == self.quick)
            .map(|before| self.compare(&before));
        fs::write(&csv, self.to_csv())
            .with_context(|| format!("cannot write {}", csv.display()))?;
        let md = out.join(MARKDOWN);
        let text = self.markdown("#", comparison.as_ref());
        fs::write(&md, text).with_context(|| format!("cannot write {}", md.display()))?;
        Ok(comparison)
    }

    /// The table `out` holds, and how far it moved from the run before it,
    /// if both files are there and readable.
    pub fn read(out: &Path) -> anyhow::Result<(Table, Option<Comparison>)> {
        let csv = out.join(CSV);
        let text =
            fs::read_to_string(&csv).with_context(|| format!("cannot read {}", csv.display()))?;
        let table = Table::from_csv(&text).with_context(|| format!("in {}", csv.display()))?;
        let comparison = fs::read_to_string(out.join(PREVIOUS))
            .ok()
            .and_then(|text| Table::from_csv(&text).ok())
            .filter(|before| before.quick == table.quick)
            .map(|before| table.compare(&before));
        Ok((table, comparison))
    }

    /// Every figure against the same figure in `before`.
    pub fn compare(&self, before: &Table) -> Comparison {
        let mut largest: Option<Change> = None;
        let mut compared = 0;
        for row in &self.rows {
            let Some(old) = before
                .rows
                .iter()
                .find(|r| r.what == row.what && r.who == row.who)
            else {
                continue;
            };
            let columns: [(&'static str, Pick, f64); 2] = [
                ("instructions", |r| &r.instructions, 1.0),
                ("system calls", |r| &r.syscalls, RATIO_FLOOR),
            ];
            for (column, pick, floor) in columns {
                let (Ok(then), Ok(now)) = (pick(old), pick(row)) else {
                    continue;
                };
                compared += 1;
                let share = (now - then).abs() / then.abs().max(floor);
                if largest.as_ref().is_none_or(|l| share > l.share) {
                    largest = Some(Change {
                        row: format!("{} / {}", row.what, row.who),
                        column,
                        before: *then,
                        now: *now,
                        share,
                    });
                }
            }
        }
        Comparison {
            largest,
            compared,
            same_build: before.build == self.build,
        }
    }

    /// The CSV: a header, then one line per row; a figure that could not
    /// be counted is the reason, in place of the number.
    pub fn to_csv(&self) -> String {
        let mut csv = format!("{CSV_HEADER}\n");
        for row in &self.rows {
            let figure = |f: &Result<f64, String>| match f {
                Ok(v) => format!("{v}"),
                Err(why) => crate::csv::quote(why),
            };
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{}",
                crate::csv::quote(&row.what),
                crate::csv::quote(&row.who),
                figure(&row.instructions),
                figure(&row.syscalls),
                self.build,
                self.quick
            );
        }
        csv
    }

    /// Reads what [`Table::to_csv`] wrote.
    pub fn from_csv(text: &str) -> anyhow::Result<Table> {
        let mut lines = text.lines();
        if lines.next() != Some(CSV_HEADER) {
            bail!("not a counts table: the first line is not {CSV_HEADER:?}");
        }
        let mut table = Table {
            rows: Vec::new(),
            quick: false,
            build: String::new(),
        };
        for (i, line) in lines.enumerate() {
            let fields = split_csv(line).with_context(|| format!("line {}", i + 2))?;
            let [what, who, instructions, syscalls, build, quick] = <[String; 6]>::try_from(fields)
                .map_err(|f| anyhow!("line {}: {} fields, not 6", i + 2, f.len()))?;
            let figure = |cell: String| cell.parse::<f64>().map_err(|_| cell);
            table.rows.push(Row {
                what,
                who,
                instructions: figure(instructions),
                syscalls: figure(syscalls),
            });
            table.build = build;
            table.quick = quick == "true";
        }
        Ok(table)
    }

    /// The table in Markdown, under a heading of `level` ("#", "##"),
    /// with what is deterministic and how far it moved since the last run.
    pub fn markdown(&self, level: &str, comparison: Option<&Comparison>) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "{level} Counts per operation: ghetto-loop against tokio\n"
        );
        if self.quick {
            let _ = writeln!(
                md,
                "**Quick run: proves the counts come out, not a measurement.**\n"
            );
        }
        let _ = writeln!(
            md,
            "Written by `make bench-counts` (`cargo run --release -p bench -- counts`). \
             Each figure is `(count(large) - count(small)) / (large - small)` over two \
             runs that differ only in the amount of work, so start-up and shut-down \
             cancel. **Every figure here is a count, not a timing, and repeats from run \
             to run** (the last line says by how much): **instructions** are user-space \
             instructions counted by valgrind's callgrind, the same for the same build \
             and inputs; **system calls** are counted exactly by `strace -f -c`, and \
             nothing races: the echo rows are paced (1 ms after each echo, so the \
             server always goes back to waiting), and the wake from another thread \
             waits for the runtime's own word that the task is parked (its park hook \
             writes one byte to a socket pair; the waking thread reads it, lets the loop \
             fall asleep for 1 ms, then wakes). The \
             timings are in `make bench`'s report.\n"
        );
        let _ = writeln!(
            md,
            "Echo rows count the server process only; the load comes from the harness, \
             a separate process, 64-byte messages, at 100 connections taking the \
             connections in turn. Other rows count a child that does N of one operation \
             (`bench op`), the same code on both runtimes; both tracers count every \
             thread of the process, so the wake from another thread includes the \
             waking thread and the hand-off (one `sendto`, one `recvfrom` and one \
             `clock_nanosleep` per wake, on both runtimes).\n"
        );
        let _ = writeln!(
            md,
            "| operation | runtime / server | instructions/op | x tokio | syscalls/op | x tokio |"
        );
        let _ = writeln!(md, "|---|---|---:|---:|---:|---:|");
        let mut notes = Vec::new();
        let mut behind: Vec<&'static str> = Vec::new();
        for row in &self.rows {
            let tokio = self
                .rows
                .iter()
                .find(|r| r.what == row.what && r.who == servers::TOKIO);
            let ratio_of = |pick: Pick| match (pick(row), tokio.map(pick)) {
                (Ok(v), Some(Ok(t))) if *t >= RATIO_FLOOR => Some(v / t),
                _ => None,
            };
            let mut cell = |figure: &Result<f64, String>, digits: usize| match figure {
                Ok(v) => format!("{v:.digits$}"),
                Err(why) => {
                    notes.push(format!("{} / {}: {why}", row.what, row.who));
                    format!("n/a [{}]", notes.len())
                }
            };
            let mut instructions = cell(&row.instructions, 1);
            if ZEROES_PER_READ.contains(&row.who.as_str()) {
                instructions.push_str(" (z)");
            }
            let mut syscalls = cell(&row.syscalls, 2);
            // More system calls than tokio, where there is a baseline, or
            // (tokio making about none) a tenth of a call or more.
            let more_calls = match (&row.syscalls, tokio.map(|t| &t.syscalls)) {
                (Ok(v), Some(Ok(t))) if *t >= RATIO_FLOOR => v / t > 1.005,
                (Ok(v), Some(Ok(_))) => *v >= RATIO_FLOOR,
                _ => false,
            };
            if row.who != servers::TOKIO
                && more_calls
                && let Some(why) = crate::counts::why_behind(&row.what)
            {
                let n = match behind.iter().position(|w| *w == why) {
                    Some(i) => i + 1,
                    None => {
                        behind.push(why);
                        behind.len()
                    }
                };
                syscalls.push_str(&format!(" (b{n})"));
            }
            let ratio = |pick: Pick| match ratio_of(pick) {
                Some(r) => format!("{r:.2}"),
                None => "-".to_owned(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {instructions} | {} | {syscalls} | {} |",
                row.what,
                row.who,
                ratio(|r| &r.instructions),
                ratio(|r| &r.syscalls),
            );
        }
        let _ = writeln!(
            md,
            "\n(z): mostly the zeroing of a 16 KiB read buffer before every read, which \
             callgrind counts once per element (`rep stos`); the server's own work is \
             nearer the figures without it."
        );
        for (i, why) in behind.iter().enumerate() {
            let _ = writeln!(md, "\n(b{}): behind tokio: {why}", i + 1);
        }
        for (i, note) in notes.iter().enumerate() {
            let _ = writeln!(md, "\n[{}] {note}", i + 1);
        }
        let _ = writeln!(md, "\n{}", repeatability(comparison));
        md
    }
}

/// The last line of the table: how far the figures moved since the run
/// before.
fn repeatability(comparison: Option<&Comparison>) -> String {
    let Some(c) = comparison else {
        return "Repeatability: no earlier run to compare with; run `make bench-counts` \
                again and this line gives the largest change of any figure."
            .to_owned();
    };
    let build = if c.same_build {
        "the same build"
    } else {
        "an earlier build, so a change may be the code's"
    };
    match &c.largest {
        None => format!("Repeatability: the run before ({build}) shares no figure with this one."),
        Some(l) => format!(
            "Repeatability: against the run before ({build}), the largest change of the \
             {} figures both have is {:.3} % ({}, {}: {:.2} then, {:.2} now){}.",
            c.compared,
            l.share * 100.0,
            l.row,
            l.column,
            l.before,
            l.now,
            if l.share <= REPEATS_WITHIN {
                format!(": every figure within {:.0} %", REPEATS_WITHIN * 100.0)
            } else {
                String::new()
            }
        ),
    }
}

/// The fields of one CSV line (RFC 4180, no line breaks inside a field).
fn split_csv(line: &str) -> anyhow::Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '"') if field.is_empty() => quoted = true,
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (_, c) => field.push(c),
        }
    }
    if quoted {
        bail!("a quoted field is not closed");
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(instructions: f64, syscalls: f64) -> Table {
        Table {
            rows: vec![
                Row {
                    what: "one message, bounded channel (capacity 16)".to_owned(),
                    who: "tokio".to_owned(),
                    instructions: Ok(500.0),
                    syscalls: Ok(0.0),
                },
                Row {
                    what: "one message, bounded channel (capacity 16)".to_owned(),
                    who: "ghetto-loop".to_owned(),
                    instructions: Ok(instructions),
                    syscalls: Ok(syscalls),
                },
                Row {
                    what: "echo, \"quoted\"".to_owned(),
                    who: "ch06-epoll".to_owned(),
                    instructions: Err("valgrind, not found".to_owned()),
                    syscalls: Ok(3.0),
                },
            ],
            quick: false,
            build: "00ff".to_owned(),
        }
    }

    #[test]
    fn the_csv_reads_back_what_it_wrote() {
        let t = table(395.0, 0.125);
        assert_eq!(Table::from_csv(&t.to_csv()).unwrap(), t);
        assert!(Table::from_csv("a,b\n").is_err());
    }

    #[test]
    fn the_comparison_finds_the_largest_change() {
        let before = table(400.0, 0.12);
        let c = table(404.0, 0.12).compare(&before);
        let largest = c.largest.unwrap();
        assert_eq!((largest.column, largest.share), ("instructions", 0.01));
        assert!(largest.row.contains("ghetto-loop"));
        assert_eq!(c.compared, 5, "the n/a figure is not compared");
        assert!(c.same_build);
        // A change of 0.01 system calls is measured against the floor, not
        // against a figure near zero.
        let c = table(400.0, 0.06).compare(&table(400.0, 0.05));
        let largest = c.largest.unwrap();
        assert_eq!(largest.column, "system calls");
        assert!((largest.share - 0.1).abs() < 1e-9);
    }

    #[test]
    fn the_table_says_how_far_it_moved() {
        let before = table(400.0, 0.12);
        let now = table(401.0, 0.12);
        let md = now.markdown("##", Some(&now.compare(&before)));
        assert!(md.starts_with("## Counts per operation"));
        // A tenth of a call more than tokio's none is behind, with why.
        assert!(
            md.contains("| ghetto-loop | 401.0 | 0.80 | 0.12 (b1) | - |"),
            "{md}"
        );
        assert!(md.contains("(b1): behind tokio: a zero-timeout `epoll_wait` per pass"));
        let ahead = table(401.0, 0.05).markdown("#", None);
        assert!(!ahead.contains("(b1)"), "{ahead}");
        assert!(md.contains("largest change of the 5 figures both have is 0.250 %"));
        assert!(md.contains("every figure within 1 %"));
        assert!(md.contains("n/a [1]") && md.contains("[1] echo"));
        assert!(now.markdown("#", None).contains("no earlier run"));
    }
}

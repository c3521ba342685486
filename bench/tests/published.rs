//! The README quotes the published counts (`docs/bench/counts.md`, written
//! by `make bench-counts` and copied by `make bench-publish`): every figure
//! of its counts table must be the published one, rounded as the README
//! rounds it. Counts repeat from run to run, so a README figure that
//! differs was copied from another build, not moved by noise.

use std::collections::HashMap;
use std::path::Path;

/// The README's rows, and the published row each quotes: (operation,
/// runtime or server) in `counts.md`. tokio's figure is the one in brackets.
const QUOTED: [(&str, &str, &str); 8] = [
    (
        "echo round trip, 1 connection (chapter 15's server)",
        "echo round trip, 1 connection(s)",
        "ch15-reactor",
    ),
    (
        "echo round trip, 100 connections (chapter 15's server)",
        "echo round trip, 100 connection(s)",
        "ch15-reactor",
    ),
    (
        "spawn + join of an empty task",
        "spawn+join of an empty task",
        "ghetto-loop",
    ),
    (
        "wake a parked task from the loop's thread",
        "wake a parked task, from the loop's thread",
        "ghetto-loop",
    ),
    (
        "wake a parked task from another thread",
        "wake a parked task, from another thread",
        "ghetto-loop",
    ),
    (
        "one 1 ms timer fired",
        "one 1 ms timer fired",
        "ghetto-loop",
    ),
    (
        "one message through a bounded channel",
        "one message, bounded channel (capacity 16)",
        "ghetto-loop",
    ),
    (
        "one mutex hand-off between two tasks",
        "one mutex hand-off (2 tasks)",
        "ghetto-loop",
    ),
];

/// One published row: the cells after the first two.
#[derive(Debug)]
struct Published {
    instructions: f64,
    instructions_ratio: String,
    syscalls: f64,
    syscalls_ratio: String,
    /// The row carries a "behind tokio" label, `(b1)` and so on.
    behind: bool,
}

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The cells of a markdown table row, trimmed, without the outer bars.
fn cells(row: &str) -> Vec<&str> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(str::trim).collect()
}

/// The first number in `cell`, commas dropped: `1,249 (2,672)` is 1249.
fn first_number(cell: &str) -> f64 {
    numbers(cell)[0]
}

fn numbers(cell: &str) -> Vec<f64> {
    cell.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|w| w.replace(',', ""))
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.parse()
                .unwrap_or_else(|e| panic!("{w:?} in {cell:?}: {e}"))
        })
        .collect()
}

fn published() -> HashMap<(String, String), Published> {
    read("docs/bench/counts.md")
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| operation"))
        .map(cells)
        .filter(|c| c.len() == 6)
        .map(|c| {
            let row = Published {
                instructions: first_number(c[2]),
                instructions_ratio: c[3].to_owned(),
                syscalls: first_number(c[4]),
                syscalls_ratio: c[5].to_owned(),
                behind: c[4].contains("(b"),
            };
            ((c[0].to_owned(), c[1].to_owned()), row)
        })
        .collect()
}

/// How the README writes a count: instructions whole, system calls with
/// up to two decimals and no trailing zeros.
fn same(quoted: f64, published: f64, decimals: i32) -> bool {
    let unit = 10f64.powi(-decimals);
    (quoted - published).abs() <= unit / 2.0 + 1e-9
}

#[test]
fn the_readme_counts_are_the_published_ones() {
    let published = published();
    let readme = read("README.md");
    let mut problems = Vec::new();
    for (label, op, runtime) in QUOTED {
        let Some(row) = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
        else {
            problems.push(format!("README: no counts row `{label}`"));
            continue;
        };
        let c = cells(row);
        let find = |who: &str| {
            published
                .get(&(op.to_owned(), who.to_owned()))
                .unwrap_or_else(|| panic!("counts.md: no row `{op}` for {who}"))
        };
        let (ours, tokio) = (find(runtime), find("tokio"));
        let instructions = numbers(c[1]);
        let syscalls = numbers(c[3]);
        let checks = [
            ("instructions", same(instructions[0], ours.instructions, 0)),
            (
                "tokio's instructions",
                same(instructions[1], tokio.instructions, 0),
            ),
            ("instructions ratio", c[2] == ours.instructions_ratio),
            ("system calls", same(syscalls[0], ours.syscalls, 2)),
            ("tokio's system calls", same(syscalls[1], tokio.syscalls, 2)),
            (
                "system calls ratio",
                ours.syscalls_ratio == "-" || c[4].starts_with(&ours.syscalls_ratio),
            ),
            ("\"behind\"", c[4].contains("behind") == ours.behind),
        ];
        for (what, ok) in checks {
            if !ok {
                problems.push(format!(
                    "README `{label}`: {what} differs from counts.md\n  README:     {row}\n  counts.md:  {ours:?} (tokio: {tokio:?})"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the README's counts table is not docs/bench/counts.md's (copy the figures from the \
         published table):\n{}",
        problems.join("\n")
    );
}

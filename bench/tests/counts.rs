//! `bench counts --quick` end to end: real servers and real `bench op`
//! children under callgrind and strace, and a table with figures in it.
//!
//! It asserts only that figures come out (a debug build counts nothing
//! worth comparing); without valgrind there is nothing to count, and the
//! test says so and passes.

mod util;

use std::time::Duration;

/// Bounds the whole run, so a hung child fails the test instead of CI.
const LIMIT: Duration = Duration::from_secs(300);

#[test]
fn the_quick_counts_come_out() {
    if let Err(why) = bench::counts::valgrind_ready() {
        eprintln!("skipped: {why}");
        return;
    }
    let out = util::run_bench(&["counts", "--quick"], "bench-counts", LIMIT);
    let table = std::fs::read_to_string(out.join("counts.md")).expect("counts.md is written");
    let rows: Vec<&str> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| operation"))
        .collect();
    for who in ["tokio", "ghetto-loop"] {
        assert!(
            rows.iter().any(|r| r.contains(&format!("| {who} |"))),
            "no {who} row in:\n{table}"
        );
    }
    // The instructions column holds a number in every row.
    for row in &rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let instructions: f64 = cells[3]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .parse()
            .unwrap_or_else(|_| panic!("no instruction count in {row:?}\n{table}"));
        assert!(instructions > 0.0, "{row}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

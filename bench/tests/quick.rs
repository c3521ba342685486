//! `bench --suite quick` end to end: the real harness starts real servers,
//! loads them and writes the report, the plots and the CSV.
//!
//! This proves the harness works; it asserts nothing about speed (a debug
//! build on a busy CI machine measures nothing worth asserting). What it
//! does assert: every output is written, and every cell of every figure holds
//! a number or says explicitly why it has none.

mod util;

use std::path::PathBuf;
use std::time::Duration;

/// Bounds the whole run, so a hung server fails the test instead of CI.
const LIMIT: Duration = Duration::from_secs(120);

fn run_quick_suite() -> PathBuf {
    util::run_bench(&["--suite", "quick"], "bench-quick", LIMIT)
}

#[test]
fn the_quick_suite_writes_a_complete_report() {
    let out = run_quick_suite();
    for name in bench::OUTPUTS {
        let text =
            std::fs::read_to_string(out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if name.ends_with(".svg") {
            assert!(
                text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
                "{name} is not an SVG document"
            );
            assert!(text.contains("<polyline"), "{name} draws no line");
        }
    }

    // Every run of every cell, from the CSV: measured with numbers, or
    // failed / not applicable with a reason.
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(bench::csv::header().as_str()));
    let rows: Vec<Row> = lines.map(Row::parse).collect();
    let mut servers: Vec<String> = Vec::new();
    for row in &rows {
        let status = row.get("status");
        match (row.get("figure"), status) {
            ("echo" | "busy-among-idle", "ok") => {
                row.numbers(&["round_trips_per_s", "established", "load_cpu", "server_cpu"]);
                // Latency exists only if a round trip completed.
                if row.get("round_trips_per_s").parse::<f64>().unwrap() > 0.0 {
                    row.numbers(&["p50_ns", "p99_ns", "p999_ns"]);
                }
            }
            ("memory", "ok") => {
                row.numbers(&["rss_before_bytes", "rss_bytes", "threads", "established"])
            }
            ("selector-wait", "ok") => {
                row.numbers(&["wait_ns_median", "wait_ns_p25", "wait_ns_p75"])
            }
            ("syscalls-paced" | "syscalls-back-to-back", "ok") => row.numbers(&[
                "syscalls_total",
                "syscalls_read",
                "syscalls_write",
                "syscalls_wait",
                "syscalls_epoll_ctl",
                "syscalls_other",
                "syscalls_failed",
            ]),
            ("tasks", "ok") => row.numbers(&["spawn_join_ns", "idle_task_bytes"]),
            ("timers-idle" | "timers-loaded", "ok") => {
                row.numbers(&["sleep_ns", "late_p50_ns", "late_p99_ns", "late_max_ns"]);
                assert_eq!(row.get("early_wakes"), "0", "a sleep woke early: {row:?}");
            }
            ("timers-crowd", "ok") => {
                row.numbers(&["timer_ns", "sleeping_task_ns", "sleeping_task_bytes"]);
                assert_eq!(row.get("early_wakes"), "0", "a sleep woke early: {row:?}");
            }
            ("sync-mutex" | "sync-handoff" | "sync-channel", "ok") => row.numbers(&["ops_per_s"]),
            (_, "failed" | "n/a") => {
                assert!(!row.get("note").is_empty(), "no reason given: {row:?}")
            }
            other => panic!("unexpected figure and status {other:?}"),
        }
        if row.get("figure") == "echo" && !servers.iter().any(|s| s == row.get("subject")) {
            servers.push(row.get("subject").to_owned());
        }
    }
    assert!(
        servers.iter().any(|s| s == "tokio"),
        "the tokio baseline ran"
    );
    let has = |figure: &str, subject: &str, count: Option<&str>| {
        rows.iter().any(|r| {
            r.get("figure") == figure
                && r.get("subject") == subject
                && count.is_none_or(|c| r.get("count") == c)
        })
    };
    for server in &servers {
        for connections in ["1", "10"] {
            assert!(
                has("echo", server, Some(connections)),
                "no echo run for {server} at {connections} connections"
            );
        }
        assert!(has("memory", server, None), "no memory run for {server}");
        for idle in ["0", "50"] {
            assert!(
                has("busy-among-idle", server, Some(idle)),
                "no few-busy-among-idle run for {server} beside {idle} idle connections"
            );
        }
    }
    // Syscall counts need strace and ptrace; without them every cell says
    // why (checked above), and the test says so instead of failing.
    for server in &servers {
        for figure in ["syscalls-paced", "syscalls-back-to-back"] {
            assert!(has(figure, server, None), "no {figure} cell for {server}");
        }
    }
    if let Some(skipped) = rows
        .iter()
        .find(|r| r.get("figure").starts_with("syscalls-") && r.get("status") == "n/a")
    {
        eprintln!(
            "note: system calls not counted: {}",
            skipped.get("note").trim_matches('"')
        );
    }
    for runtime in ["tokio", "ghetto-loop"] {
        for figure in [
            "tasks",
            "timers-idle",
            "timers-loaded",
            "timers-crowd",
            "sync-mutex",
            "sync-handoff",
            "sync-channel",
        ] {
            assert!(
                has(figure, runtime, None),
                "no {figure} figures for {runtime}"
            );
        }
    }
    for backend in ["select", "poll", "epoll"] {
        assert!(
            has("selector-wait", backend, None),
            "no wait cell for {backend}"
        );
    }

    // The report's tables: a row per server, and no empty cell.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for section in [
        "## Counts per operation",
        "## Echo throughput",
        "## Server CPU time per round trip",
        "## Echo latency",
        "## Few busy among many idle: round trips per second",
        "## Few busy among many idle: p99 latency",
        "## Memory",
        "## Cost of one selector wait",
        "## System calls per round trip",
        "## Tasks",
        "## Timers: how late a sleep wakes",
        "## Timers: a crowd of",
        "## Sync",
        "## Failures",
    ] {
        assert!(
            report.contains(section),
            "report has no {section:?} section"
        );
    }
    // The echo and memory tables sit between the method and the selector
    // waits; the syscall and task tables after those, before the failures.
    let section = |from: &str, to: &str| -> &str {
        &report[report.find(from).unwrap()..report.find(to).unwrap()]
    };
    let tables = section("## Echo throughput", "## Cost of one selector wait");
    let syscalls = section("## System calls per round trip", "## Tasks");
    if !syscalls.contains("**Not measured**") {
        for server in &servers {
            let rows = syscalls
                .lines()
                .filter(|l| l.starts_with(&format!("| {server} |")))
                .count();
            assert_eq!(
                rows, 2,
                "{server} has a row in the paced and back-to-back tables"
            );
        }
    }
    // The runtime tables: a row per runtime (per series, in the lateness
    // tables), each with a figure or a reason.
    let runtime_tables = [
        ("task", section("## Tasks", "## Timers"), 1),
        (
            "lateness",
            section("## Timers: how late", "## Timers: a crowd"),
            2 * bench::suite::Suite::quick().timers.series.len(),
        ),
        ("crowd", section("## Timers: a crowd", "## Sync"), 1),
        ("sync", section("## Sync", "## Failures"), 1),
    ];
    for (table, text, rows_each) in runtime_tables {
        for runtime in ["tokio", "ghetto-loop"] {
            let rows: Vec<&str> = text
                .lines()
                .filter(|l| {
                    l.contains(&format!(" | {runtime} |"))
                        || l.starts_with(&format!("| {runtime} |"))
                })
                .collect();
            assert_eq!(
                rows.len(),
                rows_each,
                "{runtime}'s rows in the {table} table"
            );
            for row in rows {
                assert!(
                    row.chars().any(|c| c.is_ascii_digit()) || row.contains("failed"),
                    "no figure in {row:?}"
                );
            }
        }
    }
    // Chapter 21's HTTP cells under wrk, the fetchers and the syscall
    // counts: a figure or a reason in every row, or wrk's absence said.
    let http = section("## HTTP: the capstone on both runtimes", "## Failures");
    let mut http_rows = vec![
        ("| fetcher on ghetto-loop |", 1),
        ("| fetcher on tokio |", 1),
    ];
    if http.contains("wrk is not installed") {
        eprintln!("note: the HTTP cells were not measured: wrk is not installed");
        http_rows.extend([("| ch21-ghetto-loop |", 2), ("| ch21-tokio |", 2)]);
    } else {
        // One row per connection count, and one in each syscall table.
        http_rows.extend([
            ("| ch21-ghetto-loop |", 4),
            ("| ch21-tokio |", 4),
            ("| ch21-ghetto-loop-per-core |", 1),
            ("| ch21-tokio-multi-thread |", 1),
        ]);
    }
    for (start, expected) in http_rows {
        let rows: Vec<&str> = http.lines().filter(|l| l.starts_with(start)).collect();
        assert_eq!(rows.len(), expected, "rows starting {start:?} in:\n{http}");
        for row in rows {
            assert!(
                row[start.len()..].chars().any(|c| c.is_ascii_digit())
                    || row.contains("failed")
                    || row.contains("n/a"),
                "no figure in {row:?}"
            );
        }
    }
    for server in &servers {
        let rows: Vec<&str> = tables
            .lines()
            .filter(|l| l.starts_with(&format!("| {server} |")))
            .collect();
        assert_eq!(
            rows.len(),
            6,
            "{server} has a row in the throughput, CPU per round trip, latency, few busy among \
             idle (round trips and p99) and memory tables"
        );
        for line in rows {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            for cell in &cells[1..] {
                assert!(
                    cell.chars().any(|c| c.is_ascii_digit())
                        || cell.contains("failed")
                        || cell.starts_with("n/a"),
                    "a cell with neither a figure nor a reason in {line:?}"
                );
            }
        }
    }
}

/// One CSV line, its fields found by column name.
#[derive(Debug)]
struct Row(Vec<String>);

impl Row {
    /// Splits a line with RFC 4180 quoting (what `bench::csv` writes).
    fn parse(line: &str) -> Row {
        let mut fields = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    fields.last_mut().unwrap().push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(String::new()),
                (c, _) => fields.last_mut().unwrap().push(c),
            }
        }
        assert_eq!(
            fields.len(),
            bench::csv::COLUMNS.len(),
            "a row with the wrong number of fields: {line}"
        );
        Row(fields)
    }

    fn get(&self, column: &str) -> &str {
        let i = bench::csv::COLUMNS
            .iter()
            .position(|c| *c == column)
            .expect("a known column");
        &self.0[i]
    }

    /// Asserts that these columns hold numbers.
    fn numbers(&self, columns: &[&str]) {
        for column in columns {
            assert!(
                self.get(column).parse::<f64>().is_ok(),
                "{column} is not a number in {self:?}"
            );
        }
    }
}

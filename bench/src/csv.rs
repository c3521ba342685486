//! Every run of every cell as CSV (`results.csv`), for anyone who wants to
//! plot or compare runs with their own tools.

use std::fmt::Write;

use crate::results::{Outcome, Results};
use crate::syscalls::Group;

/// The columns, in order. `figure` is `echo`, `busy-among-idle`, `memory`,
/// `selector-wait`, `syscalls-paced`, `syscalls-back-to-back`, `tasks`,
/// `timers-idle`, `timers-loaded`, `timers-crowd`, `sync-mutex`,
/// `sync-handoff` or `sync-channel`; `subject` the server, backend or
/// runtime; `count` the connections, fds, tasks, sleeps (with `sleep_ns`
/// their length), locks or messages (for `busy-among-idle`, the idle
/// connections beside the suite's busy ones, and `established` counts both
/// kinds; for `timers-loaded`, `round_trips_per_s` is the echo load the
/// loop served meanwhile; for the timer series, `others_cpu` is the noise
/// over the whole series); `status` `ok`, `failed` or `n/a` (with the reason
/// in `note`). Durations are in nanoseconds, CPU use in shares of one CPU,
/// memory in bytes, system calls per round trip.
pub const COLUMNS: [&str; 40] = [
    "figure",
    "subject",
    "pinning",
    "count",
    "run",
    "status",
    "round_trips_per_s",
    "p50_ns",
    "p99_ns",
    "p999_ns",
    "server_cpu",
    "load_cpu",
    "others_cpu",
    "rss_before_bytes",
    "rss_bytes",
    "threads",
    "established",
    "wait_ns_median",
    "wait_ns_p25",
    "wait_ns_p75",
    "syscalls_total",
    "syscalls_read",
    "syscalls_write",
    "syscalls_wait",
    "syscalls_epoll_ctl",
    "syscalls_other",
    "syscalls_failed",
    "spawn_join_ns",
    "idle_task_bytes",
    "sleep_ns",
    "late_p50_ns",
    "late_p99_ns",
    "late_max_ns",
    "early_wakes",
    "timer_ns",
    "sleeping_task_ns",
    "sleeping_task_bytes",
    "ops_per_s",
    "failures",
    "note",
];

/// The header line.
pub fn header() -> String {
    COLUMNS.join(",")
}

/// The CSV text: the header, then one line per run.
pub fn render(r: &Results) -> String {
    let mut csv = header();
    csv.push('\n');
    let echo = r.echo.iter().map(|run| ("echo", run.connections, run));
    let busy = r.busy.iter().map(|run| ("busy-among-idle", run.idle, run));
    for (figure, count, run) in echo.chain(busy) {
        let mut row = Row::new(
            figure,
            run.server,
            run.pinning.name(),
            count,
            run.run,
            &run.outcome,
        );
        if let Outcome::Done(o) = &run.outcome {
            row.set("round_trips_per_s", format!("{:.1}", o.rate()));
            if let Some(l) = o.latency {
                row.set("p50_ns", l.p50);
                row.set("p99_ns", l.p99);
                row.set("p999_ns", l.p999);
            }
            if let Some(cpu) = o.cpu {
                row.set("load_cpu", format!("{:.3}", cpu.load));
                if let Some(server) = cpu.server {
                    row.set("server_cpu", format!("{server:.3}"));
                }
                if let Some(others) = cpu.others {
                    row.set("others_cpu", format!("{others:.3}"));
                }
            }
            row.set("established", o.established + o.idle);
            row.set("failures", quote(&o.failures.to_string()));
        }
        row.write(&mut csv);
    }
    for run in &r.memory {
        let mut row = Row::new(
            "memory",
            run.server,
            "",
            run.connections,
            run.run,
            &run.outcome,
        );
        if let Outcome::Done(m) = &run.outcome {
            row.set("rss_before_bytes", m.rss_before);
            row.set("rss_bytes", m.rss);
            row.set("threads", m.threads);
            row.set("established", m.established);
            row.set("failures", quote(&m.failures.to_string()));
        }
        row.write(&mut csv);
    }
    for wait in &r.waits {
        let mut row = Row::new(
            "selector-wait",
            wait.backend,
            "",
            wait.fds,
            0,
            &wait.outcome,
        );
        if let Outcome::Done(s) = &wait.outcome {
            row.set("wait_ns_median", format!("{:.1}", s.median));
            row.set("wait_ns_p25", format!("{:.1}", s.low));
            row.set("wait_ns_p75", format!("{:.1}", s.high));
        }
        row.write(&mut csv);
    }
    for run in &r.syscalls {
        let figure = format!("syscalls-{}", run.pacing.name());
        let mut row = Row::new(&figure, run.server, "", 1, run.run, &run.outcome);
        if let Outcome::Done(c) = &run.outcome {
            row.set("syscalls_total", format!("{:.4}", c.total()));
            for group in Group::ALL {
                let column = format!("syscalls_{}", group.name());
                row.set(&column, format!("{:.4}", c.group(group)));
            }
            row.set("syscalls_failed", format!("{:.4}", c.failed()));
        }
        row.write(&mut csv);
    }
    for run in &r.tasks {
        let mut row = Row::new(
            "tasks",
            run.runtime.name(),
            "",
            r.suite.tasks.tasks,
            run.run,
            &run.outcome,
        );
        if let Outcome::Done(f) = &run.outcome {
            row.set("spawn_join_ns", format!("{:.1}", f.spawn_join_ns));
            row.set("idle_task_bytes", format!("{:.1}", f.idle_task_bytes));
        }
        row.write(&mut csv);
    }
    timer_rows(r, &mut csv);
    for run in &r.sync {
        let ops = r.suite.sync.tasks * r.suite.sync.locks;
        let done = match &run.outcome {
            Outcome::Done(f) => Some(f),
            _ => None,
        };
        let figures = [
            ("sync-mutex", ops, done.map(|f| f.mutex_per_s)),
            ("sync-handoff", ops, done.map(|f| f.handoff_per_s)),
            (
                "sync-channel",
                r.suite.sync.messages,
                done.map(|f| f.channel_per_s),
            ),
        ];
        for (figure, count, per_s) in figures {
            let subject = run.runtime.name();
            let mut row = Row::new(figure, subject, "", count, run.run, &run.outcome);
            if let Some(per_s) = per_s {
                row.set("ops_per_s", format!("{per_s:.1}"));
            }
            row.write(&mut csv);
        }
    }
    csv
}

/// The timer figures: a row per series, idle and loaded, and one for the
/// crowd, every run.
fn timer_rows(r: &Results, csv: &mut String) {
    let plan = &r.suite.timers;
    for run in &r.timers {
        let subject = run.runtime.name();
        for (i, series) in plan.series.iter().enumerate() {
            for figure in ["timers-idle", "timers-loaded"] {
                let mut row = Row::new(figure, subject, "", series.count, run.run, &run.outcome);
                row.set("sleep_ns", series.sleep.as_nanos());
                if let Outcome::Done(f) = &run.outcome {
                    let loaded = figure == "timers-loaded";
                    let late = if loaded {
                        f.loaded.get(i)
                    } else {
                        f.idle.get(i)
                    };
                    if let Some(late) = late {
                        row.set("late_p50_ns", late.p50_ns);
                        row.set("late_p99_ns", late.p99_ns);
                        row.set("late_max_ns", late.max_ns);
                        row.set("early_wakes", late.early);
                    }
                    let others = if loaded {
                        f.loaded_others
                    } else {
                        f.idle_others
                    };
                    row.set("others_cpu", format!("{others:.3}"));
                    if loaded {
                        row.set("round_trips_per_s", format!("{:.1}", f.load_rate));
                    }
                }
                row.write(csv);
            }
        }
        let mut row = Row::new(
            "timers-crowd",
            subject,
            "",
            plan.crowd,
            run.run,
            &run.outcome,
        );
        if let Outcome::Done(f) = &run.outcome {
            row.set("timer_ns", format!("{:.1}", f.crowd.timer_ns()));
            row.set(
                "sleeping_task_ns",
                format!("{:.1}", f.crowd.sleeping_task_ns),
            );
            row.set(
                "sleeping_task_bytes",
                format!("{:.1}", f.crowd.sleeping_task_bytes),
            );
            row.set("early_wakes", f.crowd.early);
        }
        row.write(csv);
    }
}

/// One line, its fields filled by column name.
struct Row {
    fields: [String; COLUMNS.len()],
}

impl Row {
    fn new<T>(
        figure: &str,
        subject: &str,
        pinning: &str,
        count: usize,
        run: usize,
        outcome: &Outcome<T>,
    ) -> Row {
        let mut row = Row {
            fields: std::array::from_fn(|_| String::new()),
        };
        let (status, note) = match outcome {
            Outcome::Done(_) => ("ok", ""),
            Outcome::Failed(why) => ("failed", why.as_str()),
            Outcome::NotApplicable(why) => ("n/a", why.as_str()),
        };
        row.set("figure", figure);
        row.set("subject", subject);
        row.set("pinning", pinning);
        row.set("count", count);
        row.set("run", run + 1);
        row.set("status", status);
        row.set("note", quote(note));
        row
    }

    fn set(&mut self, column: &str, value: impl ToString) {
        let index = COLUMNS
            .iter()
            .position(|c| *c == column)
            .expect("a column of COLUMNS");
        self.fields[index] = value.to_string();
    }

    fn write(&self, csv: &mut String) {
        let _ = writeln!(csv, "{}", self.fields.join(","));
    }
}

/// A field in double quotes, with inner quotes doubled (RFC 4180).
pub(crate) fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

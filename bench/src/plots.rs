//! The three figures of the report, drawn from the results with [`crate::svg`].

use ghetto_loop::sys::SelectorKind;

use crate::results::{Results, Summary};
use crate::stats::Spread;
use crate::svg::{Axis, Figure, Line, Panel, Point, Scale};
use crate::units::{count, nanos};

/// Round trips per second (top row) and p99 latency (bottom row) against
/// connections, a column per pinning mode.
pub fn throughput(r: &Results) -> Figure {
    let mut rate_panels = Vec::new();
    let mut p99_panels = Vec::new();
    for (pinning, place) in &r.placements {
        let mut rates = Vec::new();
        let mut p99s = Vec::new();
        for (series, server) in r.suite.servers.iter().enumerate() {
            let mut rate = Vec::new();
            let mut p99 = Vec::new();
            for &n in &r.suite.echo_connections {
                if let Summary::Value { value, .. } = r.echo_summary(server.name, *pinning, n) {
                    rate.push(point(n, value.rate));
                    if let Some(s) = value.p99 {
                        p99.push(point(n, s));
                    }
                }
            }
            rates.push(Line {
                series,
                points: rate,
            });
            p99s.push(Line {
                series,
                points: p99,
            });
        }
        rate_panels.push(Panel {
            title: format!("{}: {place}", pinning.name()),
            x: connections_axis("concurrent connections"),
            y: Axis {
                label: "round trips per second".to_owned(),
                scale: Scale::Linear,
                format: count,
            },
            lines: rates,
        });
        p99_panels.push(Panel {
            title: format!("{}: p99 latency", pinning.name()),
            x: connections_axis("concurrent connections"),
            y: Axis {
                label: "p99 round trip (log scale)".to_owned(),
                scale: Scale::Log,
                format: nanos,
            },
            lines: p99s,
        });
    }
    let columns = rate_panels.len();
    Figure {
        title: "Echo: round trips per second and p99 latency vs connections".to_owned(),
        note: format!(
            "{}-byte messages, closed loop; median of {} run(s), bars from min to max",
            r.suite.message, r.suite.runs
        ),
        columns,
        panels: rate_panels.into_iter().chain(p99_panels).collect(),
        legend: server_names(r),
    }
}

/// Server RSS and thread count against idle connections.
pub fn memory(r: &Results) -> Figure {
    let mut rss_lines = Vec::new();
    let mut thread_lines = Vec::new();
    for (series, server) in r.suite.servers.iter().enumerate() {
        let mut rss = Vec::new();
        let mut threads = Vec::new();
        for &n in &r.suite.idle_connections {
            if let Summary::Value { value, .. } = r.memory_summary(server.name, n) {
                rss.push(point(n, scaled(value.rss, MIB)));
                threads.push(point(n, value.threads));
            }
        }
        rss_lines.push(Line {
            series,
            points: rss,
        });
        thread_lines.push(Line {
            series,
            points: threads,
        });
    }
    Figure {
        title: "Memory: what idle connections cost a server".to_owned(),
        note: format!(
            "resident memory and threads of the server process; median of {} run(s)",
            r.suite.runs
        ),
        columns: 2,
        panels: vec![
            Panel {
                title: "resident memory (RSS)".to_owned(),
                x: connections_axis("idle connections"),
                y: Axis {
                    label: "RSS in MiB (log scale)".to_owned(),
                    scale: Scale::Log,
                    format: count,
                },
                lines: rss_lines,
            },
            Panel {
                title: "threads".to_owned(),
                x: connections_axis("idle connections"),
                y: Axis {
                    label: "threads (log scale)".to_owned(),
                    scale: Scale::Log,
                    format: count,
                },
                lines: thread_lines,
            },
        ],
        legend: server_names(r),
    }
}

/// Time of one zero-timeout wait against idle fds, a line per backend.
pub fn selector_wait(r: &Results) -> Figure {
    let lines = SelectorKind::ALL
        .iter()
        .enumerate()
        .map(|(series, kind)| Line {
            series,
            points: r
                .suite
                .wait_fds
                .iter()
                .filter_map(|&n| match r.wait_summary(kind.name(), n) {
                    Summary::Value { value, .. } => Some(point(n, value)),
                    _ => None,
                })
                .collect(),
        })
        .collect();
    Figure {
        title: "Selector: the cost of one wait vs registered idle fds".to_owned(),
        note: "wait(timeout 0) with none of the fds ready: select and poll scan them all, epoll does not".to_owned(),
        columns: 1,
        panels: vec![Panel {
            title: "time per wait: median of the batches, bars over their middle half".to_owned(),
            x: connections_axis("registered idle fds"),
            y: Axis {
                label: "time per wait (log scale)".to_owned(),
                scale: Scale::Log,
                format: nanos,
            },
            lines,
        }],
        legend: SelectorKind::ALL.iter().map(|k| k.name().to_owned()).collect(),
    }
}

const MIB: f64 = 1024.0 * 1024.0;

/// `s` divided by `unit`.
fn scaled(s: Spread, unit: f64) -> Spread {
    Spread {
        median: s.median / unit,
        low: s.low / unit,
        high: s.high / unit,
    }
}

fn point(x: usize, s: Spread) -> Point {
    Point {
        x: x as f64,
        y: s.median,
        low: s.low,
        high: s.high,
    }
}

fn connections_axis(label: &str) -> Axis {
    Axis {
        label: format!("{label} (log scale)"),
        scale: Scale::Log,
        format: count,
    }
}

fn server_names(r: &Results) -> Vec<String> {
    r.suite.servers.iter().map(|s| s.name.to_owned()).collect()
}

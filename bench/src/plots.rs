//! The four figures of the report, drawn from the results with [`crate::svg`].

use ghetto_loop::sys::SelectorKind;

use crate::results::{Results, Summary};
use crate::stats::Spread;
use crate::svg::{Axis, Figure, Line, Panel, Point, Scale};
use crate::units::{count, nanos};

/// Round trips per second (top row), p99 latency (middle row) and server
/// CPU time per round trip (bottom row) against connections, a column per
/// pinning mode.
pub fn throughput(r: &Results) -> Figure {
    let mut rows: [Vec<Panel>; 3] = Default::default();
    for (pinning, place) in &r.placements {
        let mut lines: [Vec<Line>; 3] = Default::default();
        for (series, server) in r.suite.servers.iter().enumerate() {
            let mut points: [Vec<Point>; 3] = Default::default();
            for &n in &r.suite.echo_connections {
                if let Summary::Value { value, .. } = r.echo_summary(server.name, *pinning, n) {
                    points[0].push(point(n, value.rate));
                    if let Some(s) = value.p99 {
                        points[1].push(point(n, s));
                    }
                    if let Some(s) = value.server_cpu_per_round_trip {
                        points[2].push(point(n, s));
                    }
                }
            }
            for (row, points) in lines.iter_mut().zip(points) {
                row.push(Line { series, points });
            }
        }
        let [rates, p99s, cpus] = lines;
        rows[0].push(Panel {
            title: format!("{}: {place}", pinning.name()),
            x: connections_axis("concurrent connections"),
            y: Axis {
                label: "round trips per second".to_owned(),
                scale: Scale::Linear,
                format: count,
            },
            lines: rates,
        });
        rows[1].push(Panel {
            title: format!("{}: p99 latency", pinning.name()),
            x: connections_axis("concurrent connections"),
            y: Axis {
                label: "p99 round trip (log scale)".to_owned(),
                scale: Scale::Log,
                format: nanos,
            },
            lines: p99s,
        });
        rows[2].push(Panel {
            title: format!("{}: server CPU per round trip", pinning.name()),
            x: connections_axis("concurrent connections"),
            y: Axis {
                label: "server CPU time (log scale)".to_owned(),
                scale: Scale::Log,
                format: nanos,
            },
            lines: cpus,
        });
    }
    Figure {
        title: "Echo: round trips per second, p99 latency and server CPU per round trip".to_owned(),
        note: format!(
            "{}-byte messages, closed loop; median of {} run(s), bars from min to max",
            r.suite.message, r.suite.runs
        ),
        columns: r.placements.len(),
        panels: rows.into_iter().flatten().collect(),
        legend: server_names(r),
    }
}

/// Round trips per second (top row) and p99 latency (bottom row) of the few
/// busy connections against the idle ones beside them, a column per pinning
/// mode the figure ran in. The x axis is linear: it starts at 0 idle.
pub fn busy_among_idle(r: &Results) -> Figure {
    let placements: Vec<_> = r
        .placements
        .iter()
        .filter(|(p, _)| r.suite.busy_pinnings.contains(p))
        .collect();
    let mut rows: [Vec<Panel>; 2] = Default::default();
    for (pinning, place) in &placements {
        let mut lines: [Vec<Line>; 2] = Default::default();
        for (series, server) in r.suite.servers.iter().enumerate() {
            let mut points: [Vec<Point>; 2] = Default::default();
            for &n in &r.suite.busy_idle {
                if let Summary::Value { value, .. } = r.busy_summary(server.name, *pinning, n) {
                    points[0].push(point(n, value.rate));
                    if let Some(s) = value.p99 {
                        points[1].push(point(n, s));
                    }
                }
            }
            for (row, points) in lines.iter_mut().zip(points) {
                row.push(Line { series, points });
            }
        }
        let [rates, p99s] = lines;
        let idle_axis = || Axis {
            label: format!("idle connections beside {} busy", r.suite.busy_connections),
            scale: Scale::Linear,
            format: count,
        };
        rows[0].push(Panel {
            title: format!("{}: {place}", pinning.name()),
            x: idle_axis(),
            y: Axis {
                label: "round trips per second".to_owned(),
                scale: Scale::Linear,
                format: count,
            },
            lines: rates,
        });
        rows[1].push(Panel {
            title: format!("{}: p99 latency", pinning.name()),
            x: idle_axis(),
            y: Axis {
                label: "p99 round trip (log scale)".to_owned(),
                scale: Scale::Log,
                format: nanos,
            },
            lines: p99s,
        });
    }
    Figure {
        title: "Few busy among many idle: what idle connections cost the busy ones".to_owned(),
        note: format!(
            "{} busy connections, {}-byte messages, closed loop, beside idle ones; median of {} run(s), bars from min to max",
            r.suite.busy_connections, r.suite.message, r.suite.runs
        ),
        columns: placements.len(),
        panels: rows.into_iter().flatten().collect(),
        legend: server_names(r),
    }
}

/// Server RSS, RSS per connection and thread count against idle
/// connections.
pub fn memory(r: &Results) -> Figure {
    let mut lines: [Vec<Line>; 3] = Default::default();
    for (series, server) in r.suite.servers.iter().enumerate() {
        let mut points: [Vec<Point>; 3] = Default::default();
        for &n in &r.suite.idle_connections {
            if let Summary::Value { value, .. } = r.memory_summary(server.name, n) {
                points[0].push(point(n, scaled(value.rss, MIB)));
                if let Some(per) = value.per_connection {
                    points[1].push(point(n, scaled(per, KIB)));
                }
                points[2].push(point(n, value.threads));
            }
        }
        for (row, points) in lines.iter_mut().zip(points) {
            row.push(Line { series, points });
        }
    }
    let [rss, per_connection, threads] = lines;
    let panel = |title: &str, y_label: &str, lines: Vec<Line>| Panel {
        title: title.to_owned(),
        x: connections_axis("idle connections"),
        y: Axis {
            label: format!("{y_label} (log scale)"),
            scale: Scale::Log,
            format: count,
        },
        lines,
    };
    Figure {
        title: "Memory: what idle connections cost a server".to_owned(),
        note: format!(
            "resident memory and threads of the server process; median of {} run(s)",
            r.suite.runs
        ),
        columns: 3,
        panels: vec![
            panel("resident memory (RSS)", "RSS in MiB", rss),
            panel(
                "RSS added per connection",
                "KiB per connection",
                per_connection,
            ),
            panel("threads", "threads", threads),
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

const KIB: f64 = 1024.0;
const MIB: f64 = 1024.0 * KIB;

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

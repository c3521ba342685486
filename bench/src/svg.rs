//! Line charts as hand-written SVG: axes, log or linear scales, lines with
//! error bars, and a legend.
//!
//! Why by hand: the report needs three small charts. A plotting crate brings
//! a font stack and a dependency tree bigger than the rest of the workspace;
//! SVG is text, and a line chart is this one file. It draws only what the
//! benchmark needs: panels in a grid, each with its own axes, sharing one
//! legend (series `i` has the same colour in every panel).

use std::fmt::Write;

/// A figure: a title, panels in a grid, one legend.
///
/// ```
/// use bench::svg::{Axis, Figure, Line, Panel, Point, Scale};
///
/// let axis = |label: &str, scale| Axis { label: label.to_owned(), scale, format: |v| v.to_string() };
/// let figure = Figure {
///     title: "Waits".to_owned(),
///     note: "made up".to_owned(),
///     columns: 1,
///     panels: vec![Panel {
///         title: "cost".to_owned(),
///         x: axis("fds", Scale::Log),
///         y: axis("ns", Scale::Log),
///         lines: vec![Line {
///             series: 0,
///             points: vec![
///                 Point { x: 10.0, y: 1_000.0, low: 900.0, high: 1_100.0 },
///                 Point { x: 1_000.0, y: 70_000.0, low: 69_000.0, high: 72_000.0 },
///             ],
///         }],
///     }],
///     legend: vec!["poll".to_owned()],
/// };
/// let svg = figure.render();
/// assert!(svg.starts_with("<svg") && svg.contains(">poll</text>"));
/// ```
#[derive(Debug, Clone)]
pub struct Figure {
    /// The headline.
    pub title: String,
    /// A line under the title (what was measured, how to read it).
    pub note: String,
    /// Panels per row.
    pub columns: usize,
    /// The panels, row by row.
    pub panels: Vec<Panel>,
    /// Series names; [`Line::series`] indexes this.
    pub legend: Vec<String>,
}

/// One chart: axes and lines.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Shown above the plot area.
    pub title: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// The lines.
    pub lines: Vec<Line>,
}

/// An axis: its label, scale and how to print tick values.
#[derive(Debug, Clone)]
pub struct Axis {
    /// Axis title.
    pub label: String,
    /// Linear or logarithmic.
    pub scale: Scale,
    /// Tick label for a value (`1000.0` -> `"1k"`).
    pub format: fn(f64) -> String,
}

/// How values map to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Equal steps for equal differences; starts at zero.
    Linear,
    /// Equal steps for equal ratios; decades.
    Log,
}

/// One series in one panel.
#[derive(Debug, Clone)]
pub struct Line {
    /// Index into [`Figure::legend`] (and the colour).
    pub series: usize,
    /// The points, in any order.
    pub points: Vec<Point>,
}

/// A value with its spread (an error bar from `low` to `high`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal value.
    pub x: f64,
    /// Vertical value (the median).
    pub y: f64,
    /// Bottom of the error bar.
    pub low: f64,
    /// Top of the error bar.
    pub high: f64,
}

/// Colours by series index: black for the first (the tokio baseline), then a
/// palette readable by most colour-blind readers (Okabe and Ito's).
const COLOURS: [&str; 10] = [
    "#000000", "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#8c564b",
    "#7f7f7f", "#b8a000",
];

const PANEL_WIDTH: f64 = 460.0;
const PANEL_HEIGHT: f64 = 320.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 18.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 50.0;
const HEADER: f64 = 58.0;
const LEGEND_ROW: f64 = 22.0;
const LEGEND_ITEM: f64 = 190.0;
/// Pixels between the frame and the first and last x values.
const INSET: f64 = 14.0;
/// Pixels between neighbouring lines' markers at the same x.
const DODGE: f64 = 2.5;

impl Figure {
    /// The SVG document.
    pub fn render(&self) -> String {
        let columns = self.columns.max(1);
        let rows = self.panels.len().div_ceil(columns).max(1);
        // Wide enough for the panels and for the title and note on one line.
        let width = (PANEL_WIDTH * columns as f64)
            .max(text_width(&self.title, 17.0) + 40.0)
            .max(text_width(&self.note, 12.0) + 40.0)
            .ceil();
        let panel_width = width / columns as f64;
        let per_row = ((width - 20.0) / LEGEND_ITEM).floor().max(1.0) as usize;
        let legend_rows = self.legend.len().div_ceil(per_row);
        let height = HEADER + PANEL_HEIGHT * rows as f64 + LEGEND_ROW * legend_rows as f64 + 12.0;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = write!(
            svg,
            r#"<rect width="{width}" height="{height}" fill="white"/>"#
        );
        let _ = write!(
            svg,
            r#"<text x="{}" y="24" text-anchor="middle" font-size="17" font-weight="bold">{}</text>"#,
            width / 2.0,
            escape(&self.title)
        );
        let _ = write!(
            svg,
            r##"<text x="{}" y="44" text-anchor="middle" fill="#444">{}</text>"##,
            width / 2.0,
            escape(&self.note)
        );
        for (i, panel) in self.panels.iter().enumerate() {
            let x0 = panel_width * (i % columns) as f64;
            let y0 = HEADER + PANEL_HEIGHT * (i / columns) as f64;
            panel.render(&mut svg, x0, y0, panel_width);
        }
        let legend_top = HEADER + PANEL_HEIGHT * rows as f64;
        for (i, name) in self.legend.iter().enumerate() {
            let x = 20.0 + LEGEND_ITEM * (i % per_row) as f64;
            let y = legend_top + LEGEND_ROW * (i / per_row) as f64 + 12.0;
            let colour = colour(i);
            let _ = write!(
                svg,
                r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{colour}" stroke-width="2.5"/><circle cx="{}" cy="{y}" r="3.5" fill="{colour}"/><text x="{}" y="{}">{}</text>"#,
                x + 28.0,
                x + 14.0,
                x + 34.0,
                y + 4.0,
                escape(name)
            );
        }
        svg.push_str("</svg>\n");
        svg
    }
}

impl Panel {
    fn render(&self, svg: &mut String, x0: f64, y0: f64, width: f64) {
        let plot_left = x0 + LEFT;
        let plot_top = y0 + TOP;
        let plot_width = width - LEFT - RIGHT;
        let plot_height = PANEL_HEIGHT - TOP - BOTTOM;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" font-weight="bold">{}</text>"#,
            plot_left + plot_width / 2.0,
            y0 + 18.0,
            escape(&self.title)
        );
        let xs: Vec<f64> = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.x))
            .collect();
        let ys: Vec<f64> = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().flat_map(|p| [p.y, p.low, p.high]))
            .collect();
        let (Some(x_range), Some(y_range)) =
            (Range::fit(self.x.scale, &xs), Range::fit(self.y.scale, &ys))
        else {
            let _ = write!(
                svg,
                r##"<text x="{}" y="{}" text-anchor="middle" fill="#888">no data</text>"##,
                plot_left + plot_width / 2.0,
                plot_top + plot_height / 2.0
            );
            return;
        };
        // Inset the data from the frame so that markers at the ends of the
        // range (and their dodged neighbours) stay inside it.
        let to_x = |v: f64| plot_left + INSET + x_range.fraction(v) * (plot_width - 2.0 * INSET);
        let to_y = |v: f64| plot_top + (1.0 - y_range.fraction(v)) * plot_height;

        // Grid and tick labels.
        for tick in x_range.ticks() {
            let x = to_x(tick.value);
            let _ = write!(
                svg,
                r#"<line x1="{x:.1}" y1="{plot_top:.1}" x2="{x:.1}" y2="{:.1}" stroke="{}"/>"#,
                plot_top + plot_height,
                grid(tick)
            );
            if tick.labelled {
                let _ = write!(
                    svg,
                    r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                    plot_top + plot_height + 16.0,
                    escape(&tidy((self.x.format)(tick.value)))
                );
            }
        }
        for tick in y_range.ticks() {
            let y = to_y(tick.value);
            let _ = write!(
                svg,
                r#"<line x1="{plot_left:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}"/>"#,
                plot_left + plot_width,
                grid(tick)
            );
            if tick.labelled {
                let _ = write!(
                    svg,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                    plot_left - 6.0,
                    y + 4.0,
                    escape(&tidy((self.y.format)(tick.value)))
                );
            }
        }
        // Axes.
        let _ = write!(
            svg,
            r#"<polyline points="{plot_left:.1},{plot_top:.1} {plot_left:.1},{bottom:.1} {right:.1},{bottom:.1}" fill="none" stroke="black"/>"#,
            bottom = plot_top + plot_height,
            right = plot_left + plot_width
        );
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            plot_left + plot_width / 2.0,
            plot_top + plot_height + 36.0,
            escape(&self.x.label)
        );
        let (lx, ly) = (x0 + 16.0, plot_top + plot_height / 2.0);
        let _ = write!(
            svg,
            r#"<text x="{lx:.1}" y="{ly:.1}" text-anchor="middle" transform="rotate(-90 {lx:.1} {ly:.1})">{}</text>"#,
            escape(&self.y.label)
        );

        // Lines, error bars, markers.
        // Lines that meet at the same x (every server at 1,000 connections)
        // would hide each other's markers and error bars: shift each line a
        // few pixels sideways, the way grouped bar charts dodge their bars.
        let count = self.lines.len() as f64;
        for (i, line) in self.lines.iter().enumerate() {
            let colour = colour(line.series);
            let dodge = (i as f64 - (count - 1.0) / 2.0) * DODGE;
            let to_x = |v: f64| to_x(v) + dodge;
            let mut points: Vec<Point> = line
                .points
                .iter()
                .copied()
                .filter(|p| x_range.contains(p.x) && y_range.contains(p.y))
                .collect();
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
            let path: Vec<String> = points
                .iter()
                .map(|p| format!("{:.1},{:.1}", to_x(p.x), to_y(p.y)))
                .collect();
            let _ = write!(
                svg,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
                path.join(" ")
            );
            for p in &points {
                let (x, y) = (to_x(p.x), to_y(p.y));
                if y_range.contains(p.low) && y_range.contains(p.high) {
                    let (top, bottom) = (to_y(p.high), to_y(p.low));
                    if bottom - top > 2.0 {
                        let _ = write!(
                            svg,
                            r#"<path d="M{:.1},{top:.1}H{:.1}M{x:.1},{top:.1}V{bottom:.1}M{:.1},{bottom:.1}H{:.1}" stroke="{colour}" fill="none"/>"#,
                            x - 4.0,
                            x + 4.0,
                            x - 4.0,
                            x + 4.0
                        );
                    }
                }
                let _ = write!(
                    svg,
                    r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{colour}"/>"#
                );
            }
        }
    }
}

fn grid(tick: Tick) -> &'static str {
    if tick.major { "#d0d0d0" } else { "#eeeeee" }
}

/// Roughly how wide `text` is at `size` px in a sans-serif font.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.58
}

/// A tick label without trailing zeros: `10.0 µs` -> `10 µs`, `2.50k` -> `2.5k`.
fn tidy(label: String) -> String {
    let number_end = label
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(label.len());
    let (number, unit) = label.split_at(number_end);
    if !number.contains('.') {
        return label;
    }
    format!(
        "{}{unit}",
        number.trim_end_matches('0').trim_end_matches('.')
    )
}

fn colour(series: usize) -> &'static str {
    COLOURS[series % COLOURS.len()]
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The span an axis shows.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Range {
    scale: Scale,
    low: f64,
    high: f64,
}

impl Range {
    /// A range that holds every value: whole decades for a log scale
    /// (values <= 0 cannot be shown and are left out), zero to a round
    /// number for a linear one. `None` when nothing can be shown.
    fn fit(scale: Scale, values: &[f64]) -> Option<Range> {
        let shown = values
            .iter()
            .copied()
            .filter(|v| v.is_finite() && (scale == Scale::Linear || *v > 0.0));
        let (min, max) = shown.fold(None, |acc: Option<(f64, f64)>, v| {
            Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
        })?;
        Some(match scale {
            Scale::Log => {
                let low = 10f64.powf(min.log10().floor());
                let mut high = 10f64.powf(max.log10().ceil());
                if high <= low {
                    high = low * 10.0;
                }
                Range { scale, low, high }
            }
            Scale::Linear => {
                let low = min.min(0.0);
                let step = nice_step((max.max(0.0) - low) / 5.0);
                let high = (max / step).ceil().max(1.0) * step;
                Range { scale, low, high }
            }
        })
    }

    fn contains(&self, v: f64) -> bool {
        v.is_finite() && v >= self.low && v <= self.high && (self.scale == Scale::Linear || v > 0.0)
    }

    /// Where `v` falls, from 0 (low) to 1 (high).
    fn fraction(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => (v - self.low) / (self.high - self.low),
            Scale::Log => (v.log10() - self.low.log10()) / (self.high.log10() - self.low.log10()),
        }
    }

    /// Ticks: every decade for a log scale (every other one when there are
    /// many), with unlabelled 2x and 5x gridlines, labelled too when the
    /// range is at most two decades; every round step for a linear scale.
    fn ticks(&self) -> Vec<Tick> {
        match self.scale {
            Scale::Log => {
                let first = self.low.log10().round() as i32;
                let last = self.high.log10().round() as i32;
                let every = if last - first > 6 { 2 } else { 1 };
                let label_minor = last - first <= 2;
                let mut ticks = Vec::new();
                for k in first..=last {
                    let decade = 10f64.powi(k);
                    ticks.push(Tick {
                        value: decade,
                        major: true,
                        labelled: (k - first) % every == 0,
                    });
                    if k < last {
                        for m in [2.0, 5.0] {
                            ticks.push(Tick {
                                value: decade * m,
                                major: false,
                                labelled: label_minor,
                            });
                        }
                    }
                }
                ticks
            }
            Scale::Linear => {
                let step = nice_step((self.high - self.low) / 5.0);
                let count = ((self.high - self.low) / step).round() as usize;
                (0..=count)
                    .map(|i| Tick {
                        value: self.low + step * i as f64,
                        major: true,
                        labelled: true,
                    })
                    .collect()
            }
        }
    }
}

/// A gridline, and whether it gets a label.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tick {
    value: f64,
    major: bool,
    labelled: bool,
}

/// The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least
/// `raw` (for `raw` > 0; 1 otherwise).
fn nice_step(raw: f64) -> f64 {
    if raw.is_nan() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| m * magnitude >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0);
    nice * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ranges_are_whole_decades() {
        let r = Range::fit(Scale::Log, &[1.0, 100.0, 1000.0, 0.0]).unwrap();
        assert_eq!((r.low, r.high), (1.0, 1000.0));
        let labelled: Vec<f64> = r
            .ticks()
            .iter()
            .filter(|t| t.labelled)
            .map(|t| t.value)
            .collect();
        assert_eq!(labelled, vec![1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(
            r.ticks().len(),
            4 + 3 * 2,
            "2x and 5x gridlines in each decade"
        );
        assert_eq!(r.fraction(1.0), 0.0);
        assert!((r.fraction(10.0) - 1.0 / 3.0).abs() < 1e-9);
        let r = Range::fit(Scale::Log, &[3.0, 7.0]).unwrap();
        assert_eq!((r.low, r.high), (1.0, 10.0));
        let r = Range::fit(Scale::Log, &[10.0]).unwrap();
        assert_eq!((r.low, r.high), (10.0, 100.0));
        assert_eq!(Range::fit(Scale::Log, &[0.0, -1.0]), None);
    }

    #[test]
    fn linear_ranges_start_at_zero_and_end_round() {
        let r = Range::fit(Scale::Linear, &[12_000.0, 47_000.0]).unwrap();
        assert_eq!((r.low, r.high), (0.0, 50_000.0));
        let values: Vec<f64> = r.ticks().iter().map(|t| t.value).collect();
        assert_eq!(
            values,
            vec![0.0, 10_000.0, 20_000.0, 30_000.0, 40_000.0, 50_000.0]
        );
        assert_eq!(tidy("10.0 µs".to_owned()), "10 µs");
        assert_eq!(tidy("2.50k".to_owned()), "2.5k");
        assert_eq!(tidy("100 ns".to_owned()), "100 ns");
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(7.0), 10.0);
    }

    #[test]
    fn a_figure_draws_every_line_and_the_legend() {
        let panel = Panel {
            title: "a <panel>".to_owned(),
            x: Axis {
                label: "x".to_owned(),
                scale: Scale::Log,
                format: |v| format!("{v}"),
            },
            y: Axis {
                label: "y".to_owned(),
                scale: Scale::Linear,
                format: |v| format!("{v}"),
            },
            lines: vec![
                Line {
                    series: 0,
                    points: vec![
                        Point {
                            x: 1.0,
                            y: 5.0,
                            low: 4.0,
                            high: 6.0,
                        },
                        Point {
                            x: 100.0,
                            y: 9.0,
                            low: 9.0,
                            high: 9.0,
                        },
                    ],
                },
                Line {
                    series: 1,
                    points: vec![Point {
                        x: 10.0,
                        y: 2.0,
                        low: 1.0,
                        high: 3.0,
                    }],
                },
            ],
        };
        let empty = Panel {
            lines: Vec::new(),
            ..panel.clone()
        };
        let figure = Figure {
            title: "t & t".to_owned(),
            note: "n".to_owned(),
            columns: 2,
            panels: vec![panel, empty],
            legend: vec!["tokio".to_owned(), "ch06-epoll".to_owned()],
        };
        let svg = figure.render();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("stroke-width=\"2\"").count(),
            2,
            "one polyline per line"
        );
        assert_eq!(
            svg.matches("<circle").count(),
            3 + 2,
            "a marker per point, one per legend entry"
        );
        assert!(svg.contains("t &amp; t") && svg.contains("a &lt;panel&gt;"));
        assert!(svg.contains("no data"));
        assert!(svg.contains(">ch06-epoll</text>"));
    }
}

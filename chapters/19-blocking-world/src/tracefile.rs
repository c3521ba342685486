//! Reading the loop's trace back: its events by category, and the longest
//! poll (chapter 19).
//!
//! With `GHETTO_TRACE=FILE` or `LoopHandle::trace_to`, the loop writes a
//! Chrome trace-event file: a JSON array of "complete" events, one a line,
//! each with a `name`, a category (`cat`: `pass`, `wait` or `run`), a
//! start (`ts`) and a duration (`dur`), both in microseconds. Perfetto
//! draws it as a timeline. This module reads just enough of it to count
//! and to find the widest bar, without a JSON library: the loop writes
//! one event per line with its fields always in the same order.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::time::Duration;

use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

use crate::stall::{self, Place, Scenario};

/// One event of a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// What ran or waited: `pass 12`, `wait for I/O`, `task 7 (culprit)`.
    pub name: String,
    /// `pass`, `wait` or `run`.
    pub cat: String,
    /// How long it lasted.
    pub dur: Duration,
}

/// Every event in `text`, a trace the loop wrote.
///
/// Errors with `InvalidData` on a line that looks like an event and is not
/// one the loop would write.
pub fn parse(text: &str) -> io::Result<Vec<Event>> {
    text.lines()
        .map(|l| l.trim_end_matches(','))
        .filter(|l| l.starts_with('{'))
        .map(|line| {
            parse_event(line).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("not a trace event the loop writes: {line}"),
                )
            })
        })
        .collect()
}

/// `{"name":"...","cat":"...","ph":"X","ts":T,"dur":D,...}`
fn parse_event(line: &str) -> Option<Event> {
    let rest = line.strip_prefix("{\"name\":\"")?;
    // Every `"` inside a name is escaped as `\"`, so the first `","cat":"`
    // is where the name ends.
    let (name, rest) = rest.split_once("\",\"cat\":\"")?;
    let (cat, rest) = rest.split_once('"')?;
    let (_, rest) = rest.split_once("\"dur\":")?;
    let micros: f64 = rest.split(',').next()?.parse().ok()?;
    Some(Event {
        name: unescape(name),
        cat: cat.to_owned(),
        dur: Duration::from_secs_f64(micros / 1e6),
    })
}

/// Undoes the two escapes a task's name is likely to need.
fn unescape(name: &str) -> String {
    name.replace("\\\"", "\"").replace("\\\\", "\\")
}

/// A trace in numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Events by category.
    pub by_cat: BTreeMap<String, usize>,
    /// The longest callback or task poll (`run`), if any ran.
    pub longest_run: Option<Event>,
}

impl Summary {
    /// Summarises `events`.
    pub fn of(events: &[Event]) -> Summary {
        let mut by_cat = BTreeMap::new();
        for e in events {
            *by_cat.entry(e.cat.clone()).or_insert(0) += 1;
        }
        let longest_run = events
            .iter()
            .filter(|e| e.cat == "run")
            .max_by_key(|e| e.dur)
            .cloned();
        Summary {
            by_cat,
            longest_run,
        }
    }

    /// How many events in all.
    pub fn total(&self) -> usize {
        self.by_cat.values().sum()
    }
}

/// Runs `scenario` with the culprit's work on the loop, on a loop of its
/// own that writes its trace to `path`; reads the trace back, removes the
/// file, and summarises it.
pub fn trace_a_stall(path: &Path, scenario: Scenario) -> anyhow::Result<Summary> {
    {
        let lp = EventLoop::new()?;
        lp.trace_to(path)?;
        lp.block_on(stall::measure(
            scenario,
            Place::OnTheLoop,
            &Timeline::quiet(),
        ))??;
        // Dropping the loop closes the trace's JSON array and flushes it.
    }
    let text = std::fs::read_to_string(path);
    std::fs::remove_file(path)?;
    Ok(Summary::of(&parse(&text?)?))
}

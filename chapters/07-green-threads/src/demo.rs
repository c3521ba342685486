//! The self-running demo of chapter 07: green threads taking turns, one
//! that never yields stalling the rest, and what a green thread costs.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use course::Timeline;

use crate::context::Stack;
use crate::green::{self, Report};

/// How long the greedy thread keeps the CPU without yielding.
pub const GREEDY_SPIN: Duration = Duration::from_millis(300);

/// How often the tickers tick.
pub const TICK: Duration = Duration::from_millis(50);

/// How many green threads the cost section starts at once.
pub const MANY: usize = 1000;

/// Runs the three parts of the demo, logging to `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    taking_turns(timeline)?;
    one_never_yields(timeline)?;
    what_it_costs(timeline)?;
    Ok(())
}

/// Three threads, three steps each, a `yield_now` after every step: they
/// run in strict rotation, and share a counter without a lock.
pub fn taking_turns(timeline: &Timeline) -> anyhow::Result<()> {
    const THREADS: usize = 3;
    const STEPS: usize = 3;
    // `Rc`, not `Arc`, and `Cell`, not a mutex: every green thread runs on
    // this one OS thread, and none can be interrupted between a read and a
    // write, because switches happen only at `yield_now`.
    let counter = Rc::new(Cell::new(0));
    let order = Rc::new(RefCell::new(Vec::new()));
    for id in 1..=THREADS {
        let (counter, order, timeline) = (counter.clone(), order.clone(), timeline.clone());
        green::spawn(format!("green-{id}"), move || {
            for step in 1..=STEPS {
                counter.set(counter.get() + 1);
                order.borrow_mut().push(id);
                timeline.log(
                    format!("green-{id}"),
                    format!("step {step} of {STEPS}, counter = {}, yield", counter.get()),
                );
                green::yield_now();
            }
        })?;
    }
    let report = green::run();
    check(&report)?;
    let rotation: Vec<usize> = (0..THREADS * STEPS).map(|i| i % THREADS + 1).collect();
    let verdict = if *order.borrow() == rotation {
        "in strict rotation, one yield at a time"
    } else {
        "NOT in rotation (unexpected)"
    };
    timeline.log(
        "run",
        format!(
            "{} threads finished; their steps ran {verdict}; the shared counter (no lock) is {}",
            report.finished,
            counter.get()
        ),
    );
    Ok(())
}

/// Two tickers that yield all the time, and a greedy thread that keeps the
/// CPU for [`GREEDY_SPIN`]: while it spins, nobody else runs.
pub fn one_never_yields(timeline: &Timeline) -> anyhow::Result<()> {
    const TICKS: usize = 6;
    let ticks = Rc::new(RefCell::new(Vec::new()));
    for name in ["ticker-1", "ticker-2"] {
        let (ticks, timeline) = (ticks.clone(), timeline.clone());
        green::spawn(name, move || {
            for n in 1..=TICKS {
                let now = Instant::now();
                if name == "ticker-1" {
                    ticks.borrow_mut().push(now);
                }
                timeline.log(name, format!("tick {n}"));
                // A cooperative wait: yield until the next tick is due. This
                // scheduler has no timers, so waiting means spinning through
                // everybody's turns (chapter 09's scheduler sleeps instead).
                while now.elapsed() < TICK {
                    green::yield_now();
                }
            }
        })?;
    }
    let timeline_greedy = timeline.clone();
    green::spawn("greedy", move || {
        timeline_greedy.log(
            "greedy",
            format!(
                "computing for {} ms without a yield",
                GREEDY_SPIN.as_millis()
            ),
        );
        let start = Instant::now();
        while start.elapsed() < GREEDY_SPIN {
            std::hint::spin_loop();
        }
        timeline_greedy.log("greedy", "done, and finished: nobody else ran meanwhile");
    })?;
    check(&green::run())?;

    let ticks = ticks.borrow();
    let gaps: Vec<Duration> = ticks.windows(2).map(|w| w[1] - w[0]).collect();
    let longest = gaps.iter().max().context("ticker-1 ticked only once")?;
    let others = gaps
        .iter()
        .filter(|g| *g != longest)
        .max()
        .unwrap_or(longest);
    timeline.log(
        "run",
        format!(
            "ticker-1's longest wait between ticks: {:.3} s, while greedy held the CPU; \
             its other waits: at most {:.3} s",
            longest.as_secs_f64(),
            others.as_secs_f64()
        ),
    );
    Ok(())
}

/// The price of a green thread: a switch, and a stack.
pub fn what_it_costs(timeline: &Timeline) -> anyhow::Result<()> {
    // A switch: two threads yielding to each other.
    const YIELDS: u32 = 50_000;
    for name in ["ping", "pong"] {
        green::spawn(name, || {
            for _ in 0..YIELDS {
                green::yield_now();
            }
        })?;
    }
    let start = Instant::now();
    check(&green::run())?;
    let per_yield = start.elapsed() / (2 * YIELDS);
    timeline.log(
        "cost",
        format!(
            "one yield_now (thread -> scheduler -> next thread, two swapcontext calls): {} ns",
            per_yield.as_nanos()
        ),
    );

    // Stacks: many threads alive at once, then all finished.
    let rss = || course::testing::rss_bytes(std::process::id()).unwrap_or(0);
    let (stacks_before, rss_before) = (Stack::live(), rss());
    let peak = Rc::new(Cell::new((0, 0)));
    for i in 0..MANY {
        let peak = peak.clone();
        green::spawn(format!("many-{i}"), move || {
            // Everybody yields once, so all of them are alive together when
            // the first one comes back and measures.
            green::yield_now();
            if i == 0 {
                peak.set((Stack::live(), rss()));
            }
        })?;
    }
    check(&green::run())?;
    let (stacks_peak, rss_peak) = peak.get();
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    timeline.log(
        "cost",
        format!(
            "{MANY} threads alive at once: {} stacks mapped ({:.0} MiB of address space), \
             resident memory +{:.1} MiB ({:.1} KiB per thread really touched)",
            stacks_peak - stacks_before,
            mib((MANY * green::DEFAULT_STACK_SIZE) as u64),
            mib(rss_peak.saturating_sub(rss_before)),
            rss_peak.saturating_sub(rss_before) as f64 / 1024.0 / MANY as f64,
        ),
    );
    timeline.log(
        "cost",
        format!(
            "all {MANY} finished: {} of their stacks still mapped",
            Stack::live() - stacks_before
        ),
    );
    Ok(())
}

/// Turns a green thread's panic into an error of the demo.
fn check(report: &Report) -> anyhow::Result<()> {
    if let Some(p) = report.panicked.first() {
        bail!("green thread {} panicked: {}", p.name, p.message);
    }
    Ok(())
}

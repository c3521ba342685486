//! A task that never awaits holds the loop; `yield_now` gives it back
//! (chapter 14).
//!
//! The loop runs one task at a time, and a task runs until its future
//! returns from `poll`. A future returns when it is done or when it awaits
//! something that is not ready. A long computation with no `.await` in it
//! does neither, so for as long as it computes, no other task, timer or
//! socket gets a turn: here, a ticker that should tick every 50 ms.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use course::Timeline;
use ghetto_loop::task;

use crate::nap::nap;

/// How often the ticker means to tick.
pub const TICK: Duration = Duration::from_millis(50);

/// How long the busy task computes.
pub const BUSY: Duration = Duration::from_millis(300);

/// The busy task's slice of work between two `yield_now`s.
const SLICE: Duration = Duration::from_millis(1);

/// How many ticks the ticker made while each busy task ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticks {
    /// While the busy task computed without awaiting: 0.
    pub while_stalling: u32,
    /// While it computed in slices with `yield_now` between them.
    pub while_yielding: u32,
}

/// Runs a ticker, then the busy task twice: without awaiting, then with
/// `yield_now` between slices.
pub async fn show(timeline: &Timeline) -> anyhow::Result<Ticks> {
    let ticks = Rc::new(Cell::new(0));
    let ticker = task::spawn_named("ticker", ticker(timeline.clone(), ticks.clone()));
    nap(TICK * 2 + TICK / 2).await;
    let while_stalling = task::spawn(busy(timeline.clone(), ticks.clone(), Style::NoAwait)).await?;
    nap(TICK * 2).await;
    let while_yielding = task::spawn(busy(timeline.clone(), ticks.clone(), Style::Yields)).await?;
    ticker.abort();
    Ok(Ticks {
        while_stalling,
        while_yielding,
    })
}

/// How the busy task computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Slice after slice, never returning to the loop.
    NoAwait,
    /// A `yield_now().await` after every slice.
    Yields,
}

/// Counts a tick every [`TICK`], and says when one is late.
async fn ticker(timeline: Timeline, ticks: Rc<Cell<u32>>) {
    loop {
        let asked = Instant::now();
        nap(TICK).await;
        let late = asked.elapsed().saturating_sub(TICK);
        ticks.set(ticks.get() + 1);
        if late > TICK / 2 {
            let late = late.as_secs_f64();
            timeline.log("ticker", format!("tick {} ({late:.3} s late)", ticks.get()));
        } else {
            timeline.log("ticker", format!("tick {}", ticks.get()));
        }
    }
}

/// Computes for [`BUSY`] in `style`. Returns how many ticks the ticker
/// made meanwhile.
async fn busy(timeline: Timeline, ticks: Rc<Cell<u32>>, style: Style) -> u32 {
    let (who, how) = match style {
        Style::NoAwait => ("busy", "with no .await in it"),
        Style::Yields => ("yielding", "with yield_now() after every 1 ms slice"),
    };
    timeline.log(
        who,
        format!("computes for {:.3} s, {how}", BUSY.as_secs_f64()),
    );
    let before = ticks.get();
    let end = Instant::now() + BUSY;
    while Instant::now() < end {
        spin(SLICE);
        if style == Style::Yields {
            task::yield_now().await;
        }
    }
    let during = ticks.get() - before;
    timeline.log(
        who,
        format!("done; the ticker ticked {during} times meanwhile"),
    );
    during
}

/// Stands for real work: keeps the CPU busy for `d`.
fn spin(d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        std::hint::spin_loop();
    }
}

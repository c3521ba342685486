//! The chapter's demo, in four parts (chapter 15):
//!
//! 1. chapter 11's callback echo server and the async one, side by side on
//!    one loop, with the same two clients; and what each is made of;
//! 2. the loop's record of its passes while the async server answers
//!    requests: it parks only when nothing is ready, and a woken task runs
//!    in the pass whose wait saw its socket;
//! 3. an error deep in awaited `async fn`s, and the callers it still has;
//! 4. peers that reset or never read, and the others served meanwhile.

mod client;
mod misbehaving;
mod side_by_side;

use anyhow::bail;
use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, Report};
use ghetto_loop::sys::SelectorKind;

use crate::passes::{self, Record};
use crate::stack_kept;

pub use course::testing::PATIENCE;

/// The crate whose `async fn`s part 3 looks for in a backtrace.
const CRATE: &str = env!("CARGO_CRATE_NAME");

/// Runs the four parts, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    if !side_by_side::show(timeline)? {
        bail!("the two servers did not behave the same");
    }
    passes_part(timeline)?;
    stacks_part(timeline)?;
    let (reset, hogged) = misbehaving::show(timeline)?;
    timeline.log(
        "demo",
        format!(
            "resetter's task ended with {reset:?}, hog's with {hogged:?}; steady was served before, between and after"
        ),
    );
    Ok(())
}

/// Part 2: one client sending requests one at a time, then eight at once.
fn passes_part(timeline: &Timeline) -> anyhow::Result<()> {
    let kind = SelectorKind::from_env()?;
    for (clients, rounds) in [(1, 100), (8, 25)] {
        let record = passes::record(kind, clients, rounds)?;
        log_record(timeline, &record);
    }
    Ok(())
}

fn log_record(timeline: &Timeline, r: &Record) {
    let who = "passes";
    timeline.log(
        who,
        format!(
            "{}: {} passes; {} parked in the selector, {} only looked (zero timeout)",
            match r.clients {
                1 => format!("1 client, {} requests one at a time", r.rounds),
                n => format!("{n} clients, {} rounds of {n} requests at once", r.rounds),
            },
            r.requests.len(),
            r.parked(),
            r.looked(),
        ),
    );
    timeline.log(
        who,
        format!(
            "in {} of those {} passes the wait saw sockets, woke their tasks and ran them in that same pass ({} tasks in all)",
            r.woke_and_ran(),
            r.requests.len(),
            r.requests.iter().map(|p| p.io_callbacks).sum::<usize>(),
        ),
    );
    timeline.log(
        who,
        format!(
            "setup before the requests: {} passes, {} of them zero-timeout looks (a task had just been spawned)",
            r.setup.len(),
            r.setup_looked(),
        ),
    );
}

/// Part 3: the async handler's error keeps its callers; chapter 11's
/// callback version does not.
fn stacks_part(timeline: &Timeline) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let trial = stack_kept::a_bad_request_after_a_wait(&lp)?;
    let who = "async fn";
    timeline.log(
        who,
        format!(
            "the client sent \"LEN 5\\nhello\", got {:?}, then sent \"LNE 5\\n\" and got {:?}",
            trial.reply, trial.error_line
        ),
    );
    timeline.log(who, format!("the task returned Err: {}", trial.error));
    let frames = trial.error.async_frames(CRATE);
    if !frames.is_empty() {
        timeline.log(
            who,
            format!(
                "async fns on the stack where the error was made: {}{}",
                frames.join(" <- "),
                if trial.error.polled_by_the_loop() {
                    " <- the loop's pass, which polled the task"
                } else {
                    ""
                }
            ),
        );
    }

    // Chapter 11's handler, split into callbacks, fails at the same step.
    let callback_loop = EventLoop::new()?;
    let log = timeline.clone();
    callback_loop
        .set_report_handler(move |report: &Report| log.log("loop", format!("report: {report}")));
    // The loop reports the panic itself; the default hook would print it
    // a second time, in a shape the timeline does not have.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let seen = ch11_event_loop::stack_ripping::callbacks(&callback_loop, 42);
    std::panic::set_hook(hook);
    timeline.log(
        "callbacks",
        format!(
            "chapter 11's handler as callbacks: on the stack when it failed: {}; its caller got: {}",
            seen.on_stack.join(" <- "),
            seen.error
        ),
    );
    if frames.len() >= 3 && !seen.on_stack.contains(&"handle_request_cb") {
        return Ok(());
    }
    if cfg!(debug_assertions) {
        bail!("the stacks were not what the chapter says: async {frames:?}, callbacks {seen:?}");
    }
    // An optimised build inlines the async fns, and its backtraces name
    // inlined frames without their paths: there is nothing to match.
    timeline.log(
        "async fn",
        "this optimised build's backtraces do not name the frames; run a debug build to see them",
    );
    Ok(())
}

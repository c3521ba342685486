//! The loop's trace of a stall, read back: passes, waits and runs, and the
//! widest bar is the culprit's poll. The reader copes with the loop's
//! escaping of names.

use std::io;
use std::time::Duration;

use ch19_blocking_world::stall::Scenario;
use ch19_blocking_world::tracefile::{Summary, parse, trace_a_stall};
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::task;

#[test]
fn the_longest_run_in_the_trace_is_the_culprit() -> anyhow::Result<()> {
    let scenario = Scenario {
        clients: 1,
        period: Duration::from_millis(10),
        work: Duration::from_millis(80),
        settle: Duration::from_millis(20),
    };
    let path = std::env::temp_dir().join(format!("ch19-trace-test-{}.json", std::process::id()));
    let summary = trace_a_stall(&path, scenario)?;
    assert!(!path.exists(), "the trace file was removed");
    for cat in ["pass", "wait", "run"] {
        assert!(
            summary.by_cat.get(cat).copied().unwrap_or(0) > 0,
            "{summary:?}"
        );
    }
    // Every pass waits once.
    assert_eq!(summary.by_cat["pass"], summary.by_cat["wait"]);
    let longest = summary.longest_run.expect("a run event");
    assert!(longest.name.ends_with("(culprit)"), "{longest:?}");
    assert!(longest.dur >= scenario.work, "{longest:?}");
    Ok(())
}

#[test]
fn names_with_quotes_come_back_whole() -> anyhow::Result<()> {
    let path = std::env::temp_dir().join(format!("ch19-trace-names-{}.json", std::process::id()));
    {
        let lp = EventLoop::new()?;
        lp.trace_to(&path)?;
        let t = lp.spawn_named("say \"hi\", \"cat\":\"x\"", async {
            task::yield_now().await;
        });
        lp.block_on(t)??;
    }
    let text = std::fs::read_to_string(&path);
    std::fs::remove_file(&path)?;
    let events = parse(&text?)?;
    assert!(
        events
            .iter()
            .any(|e| e.cat == "run" && e.name.ends_with("(say \"hi\", \"cat\":\"x\")")),
        "{events:?}"
    );
    Ok(())
}

#[test]
fn a_line_that_is_not_an_event_is_an_error() {
    let err = parse("[\n{\"name\":\"pass 1\",\"cat\":\"pass\"}\n]\n").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    let empty = parse("[\n\n]\n").unwrap();
    assert_eq!(Summary::of(&empty).total(), 0);
}

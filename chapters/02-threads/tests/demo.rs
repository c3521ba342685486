//! The demo measures what it says: threads grow by one per client and go
//! back when the clients leave. (A file of its own: it counts this
//! process's threads, so no other test may run beside it.)

use ch02_threads::demo;
use course::Timeline;

#[test]
fn the_demo_shows_threads_growing_with_clients_and_going_away() -> anyhow::Result<()> {
    let timeline = Timeline::quiet();
    demo::run_steps(&timeline, &[1, 30])?;
    let line = |what: &str| {
        timeline
            .find("demo", what)
            .unwrap_or_else(|| panic!("no {what:?} in the timeline"))
            .what
    };
    let threads_in = |text: String| -> u64 {
        let at = text.find(" threads").expect("a thread count");
        let digits: String = text[..at]
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.chars().rev().collect::<String>().parse().unwrap()
    };
    let before = threads_in(line("no clients yet"));
    assert_eq!(threads_in(line("30 idle clients:")), before + 30);
    assert_eq!(threads_in(line("all clients gone")), before);
    assert!(line("each one added").contains("added 1.00 threads"));
    assert!(
        timeline.position("demo", "all clients gone")
            > timeline.position("demo", "30 idle clients:")
    );
    Ok(())
}

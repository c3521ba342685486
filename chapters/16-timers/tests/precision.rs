//! A real sleep is never early, whether or not it is a whole number of
//! milliseconds. (How late it is depends on the machine: not asserted.)

use std::io;
use std::time::Duration;

use ch16_timers::precision::{self, Lateness};
use ghetto_loop::event_loop::EventLoop;

#[test]
fn real_sleeps_are_never_early() -> io::Result<()> {
    let lp = EventLoop::new()?;
    for asked in [
        Duration::from_millis(1),
        Duration::from_micros(1_500),
        Duration::from_micros(300),
    ] {
        let l = lp.block_on(precision::measure(asked, 20))?;
        assert_eq!(l.early, 0, "{asked:?}: {l:?}");
        assert_eq!(l.late.len(), 20);
        assert!(l.late.is_sorted());
    }
    Ok(())
}

#[test]
fn percentiles_read_the_sorted_samples() {
    let l = Lateness {
        asked: Duration::from_millis(1),
        late: (1..=100).map(Duration::from_micros).collect(),
        early: 0,
    };
    assert_eq!(l.percentile(50), Duration::from_micros(51));
    assert_eq!(l.percentile(99), Duration::from_micros(100));
    assert_eq!(l.max(), Duration::from_micros(100));
}

//! A loop dropped with tasks still parked (or never run) drops every one of
//! their futures, even those whose JoinHandle is still held.

use std::cell::Cell;
use std::rc::Rc;

use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::task;

/// Counts its drops.
struct DropCounter(Rc<Cell<u32>>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn dropping_the_loop_drops_every_future() -> anyhow::Result<()> {
    let drops = Rc::new(Cell::new(0));
    let lp = EventLoop::new()?;
    let spawn_parked = || {
        let counter = DropCounter(drops.clone());
        lp.handle().spawn(async move {
            let _counter = counter;
            std::future::pending::<()>().await;
        })
    };
    let mut handles: Vec<_> = (0..10).map(|_| spawn_parked()).collect();
    // One pass: the ten run and park.
    lp.block_on(task::yield_now())?;
    // One more, queued and never polled.
    handles.push(spawn_parked());
    assert_eq!(drops.get(), 0, "parked tasks keep their futures");
    assert!(handles.iter().all(|h| !h.is_finished()));

    drop(lp);
    assert_eq!(drops.get(), 11);
    assert!(handles.iter().all(|h| h.is_finished()));
    Ok(())
}

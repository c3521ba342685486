//! Task groups (chapter 18), on all three selectors and the paused clock:
//! the group waits for every child, the first failure cancels the rest
//! (their destructors run), every error is reported with its child's name,
//! a panic is an error, and cancelling the group from outside (a timeout,
//! a failing parent) reaches every child, through nested groups too.

mod util;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::scope::{BoxError, group};
use ghetto_loop::time::{sleep, timeout};
use util::{DropGuard, Drops, conformance};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A child that sleeps `d`, then logs `name`; its guard drops either way.
async fn child(
    d: Duration,
    name: &'static str,
    log: Rc<RefCell<Vec<&'static str>>>,
    guard: DropGuard,
) -> Result<(), BoxError> {
    let _guard = guard;
    sleep(d).await;
    log.borrow_mut().push(name);
    Ok(())
}

fn paused(kind: ghetto_loop::sys::SelectorKind) -> io::Result<EventLoop> {
    let lp = EventLoop::with_kind(kind)?;
    lp.pause_clock();
    Ok(lp)
}

conformance! {
    /// The group returns when its last child does, with the body's output.
    fn the_group_waits_for_every_child(kind) {
        let lp = paused(kind)?;
        let log = Rc::new(RefCell::new(Vec::new()));
        let drops = Drops::default();
        let (l, d) = (log.clone(), drops.clone());
        let out = lp.block_on(group(|g| async move {
            g.spawn("a", child(ms(30), "a", l.clone(), d.guard()));
            g.spawn("b", child(ms(10), "b", l.clone(), d.guard()));
            // A child may spawn a sibling through its own clone of the group.
            let g2 = g.clone();
            let (l2, d2) = (l.clone(), d.clone());
            g.spawn("c", async move {
                sleep(ms(5)).await;
                g2.spawn("d", child(ms(50), "d", l2, d2.guard()));
                Ok::<(), BoxError>(())
            });
            Ok("body done")
        }))?;
        assert_eq!(out.unwrap(), "body done");
        assert_eq!(*log.borrow(), ["b", "a", "d"]);
        assert_eq!(drops.count(), 3);
        Ok(())
    }

    /// The first failure cancels the siblings (dropped, destructors run) and
    /// the group reports it by name; later failures are reported too.
    fn the_first_failure_cancels_the_rest(kind) {
        let lp = paused(kind)?;
        let log = Rc::new(RefCell::new(Vec::new()));
        let drops = Drops::default();
        let (l, d) = (log.clone(), drops.clone());
        let started = lp.time();
        let err = lp.block_on(group(|g| async move {
            g.spawn("slow", child(ms(1_000), "slow", l.clone(), d.guard()));
            g.spawn("fails", async {
                sleep(ms(10)).await;
                Err(io::Error::new(io::ErrorKind::ConnectionRefused, "refused").into())
            });
            g.spawn("fails too", async {
                sleep(ms(10)).await;
                Err("also broken".into())
            });
            Ok(())
        }))?
        .unwrap_err();
        assert!(log.borrow().is_empty(), "the slow child never finished");
        assert_eq!(drops.count(), 1, "it was dropped");
        assert!(lp.time() - started < ms(1_000), "nobody waited for it");
        let names: Vec<&str> = err.errors().iter().map(|e| e.name()).collect();
        assert_eq!(names, ["fails", "fails too"]);
        assert_eq!(
            err.to_string(),
            "2 children of the task group failed: fails: refused; fails too: also broken"
        );
        Ok(())
    }

    /// A child's panic is an error of the group, with its message.
    fn a_panic_is_an_error_of_the_group(kind) {
        let lp = paused(kind)?;
        lp.set_report_handler(|_| {}); // the loop's own panic report, not wanted here
        let err = lp.block_on(group(|g| async move {
            g.spawn("doomed", async {
                panic!("index out of bounds");
                #[allow(unreachable_code)]
                Ok::<(), BoxError>(())
            });
            Ok(())
        }))?
        .unwrap_err();
        assert_eq!(err.errors()[0].name(), "doomed");
        assert_eq!(err.errors()[0].error().to_string(), "panicked: index out of bounds");
        Ok(())
    }

    /// The body's error counts too, and cancels the children.
    fn the_body_failing_cancels_the_children(kind) {
        let lp = paused(kind)?;
        let drops = Drops::default();
        let d = drops.clone();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let err = lp.block_on(group(|g| async move {
            g.spawn("child", child(ms(100), "child", l, d.guard()));
            sleep(ms(1)).await;
            Err::<(), BoxError>("the body gave up".into())
        }))?
        .unwrap_err();
        assert_eq!(err.to_string(), "1 child of the task group failed: body: the body gave up");
        assert_eq!(drops.count(), 1);
        assert!(log.borrow().is_empty());
        Ok(())
    }

    /// A timeout around a group cancels every child, and nested groups
    /// pass the cancellation down to their own children.
    fn cancelling_from_outside_reaches_nested_children(kind) {
        let lp = paused(kind)?;
        let drops = Drops::default();
        let d = drops.clone();
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let result = lp.block_on(timeout(ms(50), group(|g| async move {
            g.spawn("outer child", child(ms(1_000), "outer", l.clone(), d.guard()));
            let (l2, d2) = (l.clone(), d.clone());
            g.spawn("inner group", async move {
                group(|inner| async move {
                    inner.spawn("inner child 1", child(ms(1_000), "i1", l2.clone(), d2.guard()));
                    inner.spawn("inner child 2", child(ms(2_000), "i2", l2, d2.guard()));
                    Ok(())
                })
                .await
                .map_err(BoxError::from)
            });
            Ok(())
        })))?;
        assert!(result.is_err(), "timed out");
        // Aborted children are dropped on the loop's next turns.
        lp.block_on(sleep(ms(1)))?;
        lp.block_on(sleep(ms(1)))?;
        assert_eq!(drops.count(), 3, "every child, nested ones too, was dropped");
        assert!(log.borrow().is_empty());
        Ok(())
    }

    /// A group handle that outlived its group refuses to spawn.
    fn a_handle_that_outlived_its_group_refuses_to_spawn(kind) {
        let lp = paused(kind)?;
        let kept = Rc::new(RefCell::new(None));
        let k = kept.clone();
        lp.block_on(group(|g| async move {
            *k.borrow_mut() = Some(g);
            Ok(())
        }))?
        .unwrap();
        let g = kept.borrow_mut().take().unwrap();
        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _lp = LoopHandle::try_current();
            g.spawn("late", async { Ok::<(), BoxError>(()) });
        }));
        assert!(refused.is_err());
        Ok(())
    }
}

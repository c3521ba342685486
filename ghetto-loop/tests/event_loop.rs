//! The event loop's conformance suite (chapter 11): every rule of
//! `ghetto_loop::event_loop`, each checked on all three selectors.
//!
//! Each rule is one `conformance!` block, which becomes three tests
//! (`rule::select`, `rule::poll`, `rule::epoll`). Every one of them also
//! counts the process's open fds before and after, so a rule that leaks an fd
//! fails. (nextest runs each test in a process of its own, which is what
//! makes that count meaningful.)

mod util;

use std::cell::{Cell, RefCell};
use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::panic::Location;
use std::rc::Rc;
use std::time::{Duration, Instant};

use course::testing::PATIENCE;
use ghetto_loop::event_loop::{
    EventLoop, LoopHandle, Pass, Report, Runnable, TimerHandle, WaitReason,
};
use ghetto_loop::sys::fault;
use util::{allocations, conformance, open_fds, record_reports};

/// A shared list of what happened, in order.
#[derive(Clone, Default)]
struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    fn push(&self, what: impl Into<String>) {
        self.0.borrow_mut().push(what.into());
    }

    /// A callback that logs `what`.
    fn entry(&self, what: &'static str) -> impl FnOnce() + 'static {
        let log = self.clone();
        move || log.push(what)
    }

    fn get(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Records every pass of `lp`.
fn record_passes(lp: &LoopHandle) -> Rc<RefCell<Vec<Pass>>> {
    let passes = Rc::new(RefCell::new(Vec::new()));
    let sink = passes.clone();
    lp.on_pass(move |pass| sink.borrow_mut().push(*pass));
    passes
}

/// Stops the loop after `limit`, so a test whose rule is broken fails
/// instead of hanging. Returns the flag the guard sets when it fires.
fn guard(lp: &LoopHandle, limit: Duration) -> (TimerHandle, Rc<Cell<bool>>) {
    let fired = Rc::new(Cell::new(false));
    let flag = fired.clone();
    let stop = lp.clone();
    let timer = lp.call_later(limit, move || {
        flag.set(true);
        stop.stop();
    });
    (timer, fired)
}

conformance! {
    /// `call_soon` callbacks run in the order they were scheduled.
    fn call_soon_is_fifo(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        for name in ["a", "b", "c", "d"] {
            lp.call_soon(log.entry(name));
        }
        lp.run_once()?;
        assert_eq!(log.get(), ["a", "b", "c", "d"]);
        Ok(())
    }

    /// A callback scheduled during a pass runs in the next pass, after
    /// another wait: an fd made ready by the first pass is seen by the
    /// second pass's wait, and its reader runs beside the new callback.
    fn scheduled_during_a_pass_runs_after_the_next_wait(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = record_passes(&lp);
        let log = Log::default();
        let (mut ours, theirs) = UnixStream::pair()?;
        let reader_log = log.clone();
        let mut buf = [0u8; 16];
        let mut read_end = theirs.try_clone()?;
        lp.add_reader(&theirs, move || {
            let n = io::Read::read(&mut read_end, &mut buf).unwrap_or(0);
            reader_log.push(format!("reader read {n}"));
        })?;
        let (lp2, log2) = (lp.handle(), log.clone());
        lp.call_soon(move || {
            log2.push("a");
            ours.write_all(b"x").expect("socketpair write");
            lp2.call_soon(log2.entry("c, scheduled by a"));
        });
        lp.call_soon(log.entry("b"));

        lp.run_once()?;
        // An injected spurious event runs the reader in the first pass
        // (which the selector contract allows); the rest of the order holds.
        if fault::enabled() {
            return Ok(());
        }
        assert_eq!(log.get(), ["a", "b"], "c waits for the next pass");
        lp.run_once()?;
        assert_eq!(log.get(), ["a", "b", "c, scheduled by a", "reader read 1"]);

        let passes = passes.borrow();
        assert_eq!((passes[0].ran, passes[0].left_for_next), (2, 1));
        assert_eq!(passes[1].reason, WaitReason::Ready, "c was queued: look, do not sleep");
        assert_eq!(passes[1].timeout, Some(Duration::ZERO));
        assert_eq!(passes[1].io_callbacks, 1, "the second wait saw the fd the first pass wrote to");
        assert_eq!(passes[1].ran, 2);
        lp.remove_reader(&theirs)?;
        Ok(())
    }

    /// A callback that reschedules itself forever does not starve I/O.
    fn a_self_rescheduling_callback_cannot_starve_io(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let spins = Rc::new(Cell::new(0u32));
        // Bounded, so that a loop that does starve I/O fails this test
        // instead of spinning forever.
        fn spin(lp: LoopHandle, spins: Rc<Cell<u32>>) {
            spins.set(spins.get() + 1);
            if spins.get() == 10_000 {
                return lp.stop();
            }
            let again = lp.clone();
            lp.call_soon(move || spin(again, spins));
        }
        // The fd becomes ready while the first pass runs: only a loop that
        // ends the pass and waits again will see it.
        let (mut ours, theirs) = UnixStream::pair()?;
        let (lp2, s2) = (lp.handle(), spins.clone());
        lp.call_soon(move || {
            ours.write_all(b"ready").expect("socketpair write");
            spin(lp2, s2);
        });
        let lp3 = lp.handle();
        let spins_when_read = Rc::new(Cell::new(None));
        let seen = spins_when_read.clone();
        let s3 = spins.clone();
        lp.add_reader(&theirs, move || {
            seen.set(Some(s3.get()));
            lp3.stop();
        })?;
        let (_guard, fired) = guard(&lp, PATIENCE);
        lp.run_forever()?;
        assert!(!fired.get(), "the reader never ran");
        let spins = spins_when_read.get().expect("the reader ran");
        assert!(spins <= 2, "the reader waited for {spins} spins");
        lp.remove_reader(&theirs)?;
        Ok(())
    }

    /// Timers run in deadline order, and in scheduling order among equal
    /// deadlines; a deadline in the past runs on the next pass.
    fn timers_run_by_deadline_fifo_among_equals(kind) {
        let lp = EventLoop::with_kind(kind)?;
        // The virtual clock: `call_later` counts from the loop's now, which
        // must not move between scheduling `10` and `20` (on a loaded
        // machine the real one can move by more than 10 ms).
        lp.pause_clock();
        let log = Log::default();
        let t0 = lp.time();
        let at = |ms| t0 + Duration::from_millis(ms);
        lp.call_at(at(30), log.entry("30 first"));
        lp.call_at(at(10), log.entry("10"));
        lp.call_at(at(30), log.entry("30 second"));
        lp.call_later(Duration::from_millis(20), log.entry("20"));
        lp.call_at(at(30), log.entry("30 third"));
        lp.call_at(t0 - Duration::from_millis(5), log.entry("past"));
        let (lp2, l2) = (lp.handle(), log.clone());
        lp.call_at(at(40), move || {
            l2.push("40");
            lp2.stop();
        });
        lp.run_forever()?;
        assert_eq!(log.get(), ["past", "10", "20", "30 first", "30 second", "30 third", "40"]);
        assert!(lp.time() >= at(40), "the clock is monotonic and timers never run early");
        Ok(())
    }

    /// The nearest timer sets the wait: with nothing ready, the selector
    /// is given exactly the time left until it, and waits that long.
    fn the_nearest_timer_sets_the_wait(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = record_passes(&lp);
        let log = Log::default();
        lp.call_later(Duration::from_millis(300), log.entry("far"));
        let near = lp.call_later(Duration::from_millis(50), log.entry("near"));
        let left_before_the_pass = near.when().saturating_duration_since(lp.time());
        lp.run_once()?;
        let first = passes.borrow()[0];
        assert_eq!(first.reason, WaitReason::NearestTimer);
        let timeout = first.timeout.expect("a timer sets a finite timeout");
        assert!(
            timeout <= left_before_the_pass,
            "{timeout:?}: the wait is the time left until the nearest timer, not the far one"
        );
        assert!(first.waited + Duration::from_millis(1) >= timeout, "it waited the whole timeout: {first:?}");
        assert_eq!(log.get(), ["near"]);
        Ok(())
    }

    /// Timers due within 250 µs of the nearest share its wake-up: when the
    /// nearest is that close, the loop waits for the last of them and runs
    /// them all in one pass, none of them early. (A timer alone is waited
    /// for exactly: the rule above.)
    fn a_crowd_of_timers_shares_one_wake_up(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = record_passes(&lp);
        let log = Log::default();
        // Due now, in 100 µs and in 200 µs: the first is due at once, so
        // however late this thread runs, the crowd is within the window.
        let t0 = lp.time();
        let at = |us| t0 + Duration::from_micros(us);
        lp.call_at(at(200), log.entry("third"));
        lp.call_at(at(0), log.entry("first"));
        lp.call_at(at(100), log.entry("second"));
        lp.run_once()?;
        let first = passes.borrow()[0];
        assert_eq!(first.reason, WaitReason::TimerCrowd);
        assert_eq!(first.deadline, Some(at(200)), "the wait is for the last of the crowd");
        // An injected spurious event can end the wait before it is over.
        if fault::enabled() {
            return Ok(());
        }
        assert_eq!(log.get(), ["first", "second", "third"], "one pass for all three: {first:?}");
        assert_eq!(first.timers_due, 3);
        assert!(lp.time() >= at(200), "none ran before its deadline");
        Ok(())
    }

    /// No timeout while callbacks are ready; none at all when nothing is
    /// ready and no timer is pending (only an fd or another thread can wake
    /// the loop then).
    fn zero_when_ready_and_none_when_idle(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = record_passes(&lp);
        let (_ours, theirs) = UnixStream::pair()?;
        lp.add_reader(&theirs, || {})?; // an fd that never becomes ready
        lp.call_soon(|| {});
        lp.run_once()?;
        let remote = lp.remote();
        let sender = std::thread::spawn(move || {
            remote.call_soon_threadsafe(|| LoopHandle::current().stop())
        });
        lp.run_forever()?;
        sender.join().expect("the sender thread does not panic")?;
        let passes = passes.borrow();
        assert_eq!((passes[0].reason, passes[0].timeout), (WaitReason::Ready, Some(Duration::ZERO)));
        assert_eq!((passes[1].reason, passes[1].timeout), (WaitReason::Nothing, None));
        // The callback from the other thread ran in one pass: the second,
        // unless a spurious event (injected faults) ended that pass first.
        assert_eq!(passes[1..].iter().map(|p| p.threadsafe).sum::<usize>(), 1);
        lp.remove_reader(&theirs)?;
        Ok(())
    }

    /// A cancelled callback or timer never runs, and a cancelled timer
    /// does not set the wait.
    fn cancelled_never_runs_and_never_sets_the_wait(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = record_passes(&lp);
        let log = Log::default();
        let soon = lp.call_soon(log.entry("cancelled soon"));
        let timer = lp.call_later(Duration::from_millis(20), log.entry("cancelled timer"));
        lp.call_later(Duration::from_millis(400), log.entry("kept"));
        soon.cancel();
        timer.cancel();
        assert!(soon.is_cancelled() && timer.is_cancelled());
        lp.run_once()?;
        lp.run_once()?;
        assert_eq!(log.get(), ["kept"]);
        let passes = passes.borrow();
        // The cancelled callback was still in the queue: the first pass
        // looked without waiting, and skipped it.
        assert_eq!((passes[0].reason, passes[0].ran), (WaitReason::Ready, 0));
        assert_eq!(passes[1].reason, WaitReason::NearestTimer);
        assert!(
            passes[1].timeout > Some(Duration::from_millis(200)),
            "the 20 ms timer was cancelled, so the 400 ms one sets the wait: {:?}",
            passes[1]
        );
        assert_eq!(passes[1].ran, 1);
        Ok(())
    }

    /// When cancelled timers are more than half of a heap of over 100, the
    /// heap is rebuilt without them; fewer are left for the top to discard.
    fn cancelled_timers_are_compacted(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let timers: Vec<TimerHandle> = (0..1000u64)
            .map(|i| lp.call_later(Duration::from_secs(3600 + i), || {}))
            .collect();
        // Cancel the 40 latest: not enough to compact, and none on top.
        for t in &timers[960..] {
            t.cancel();
        }
        lp.call_soon(|| {});
        lp.run_once()?;
        assert_eq!((lp.stats().timers, lp.stats().cancelled_timers), (1000, 40));
        // Now 900 of 1000: compacted on the next pass.
        for t in &timers[100..960] {
            t.cancel();
        }
        lp.call_soon(|| {});
        lp.run_once()?;
        assert_eq!((lp.stats().timers, lp.stats().cancelled_timers), (100, 0));
        Ok(())
    }

    /// One reader per fd: adding a second replaces (and cancels) the first.
    fn a_second_reader_replaces_the_first(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        let (mut ours, theirs) = UnixStream::pair()?;
        let (l1, l2) = (log.clone(), log.clone());
        lp.add_reader(&theirs, move || l1.push("first"))?;
        let lp2 = lp.handle();
        lp.add_reader(&theirs, move || {
            l2.push("second");
            lp2.stop();
        })?;
        assert_eq!(lp.stats().readers, 1);
        ours.write_all(b"x")?;
        let (_guard, fired) = guard(&lp, PATIENCE);
        lp.run_forever()?;
        assert!(!fired.get());
        assert_eq!(log.get(), ["second"]);
        assert!(lp.remove_reader(&theirs)?);
        Ok(())
    }

    /// `remove_reader` stops the callbacks, deregisters the fd, says
    /// whether there was a reader, and cancels a reader already queued in
    /// the current pass.
    fn remove_reader_stops_it_even_if_already_queued(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        let (mut a_ours, a) = UnixStream::pair()?;
        let (mut b_ours, b) = UnixStream::pair()?;
        a_ours.write_all(b"x")?;
        b_ours.write_all(b"x")?;
        // Whichever reader runs first removes the other, which the same
        // wait made ready and queued.
        let (a, b) = (Rc::new(a), Rc::new(b));
        for fd in [a.clone(), b.clone()] {
            let (lp, log, a, b) = (lp.handle(), log.clone(), a.clone(), b.clone());
            lp.clone().add_reader(&*fd, move || {
                log.push("reader");
                lp.remove_reader(&*a).expect("remove a");
                lp.remove_reader(&*b).expect("remove b");
            })?;
        }
        lp.run_once()?;
        assert_eq!(log.get(), ["reader"], "the second reader was removed before its turn");
        assert_eq!((lp.stats().readers, lp.stats().writers), (0, 0));
        assert!(!lp.remove_reader(&*a)?, "nothing left to remove");
        Ok(())
    }

    /// A writer runs when its fd is writable; a reader and a writer on one
    /// fd both run, and removing one leaves the other.
    fn readers_and_writers_share_an_fd(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        let (mut ours, theirs) = UnixStream::pair()?;
        ours.write_all(b"x")?;
        let (l1, l2) = (log.clone(), log.clone());
        lp.add_reader(&theirs, move || l1.push("reader"))?;
        lp.add_writer(&theirs, move || l2.push("writer"))?;
        assert_eq!((lp.stats().readers, lp.stats().writers), (1, 1));
        lp.run_once()?;
        assert_eq!(log.get(), ["reader", "writer"]);
        assert!(lp.remove_writer(&theirs)?);
        lp.run_once()?;
        assert_eq!(log.get(), ["reader", "writer", "reader"], "the reader stays");
        assert!(lp.remove_reader(&theirs)?);
        assert_eq!((lp.stats().readers, lp.stats().writers), (0, 0));
        Ok(())
    }

    /// `stop()` lets the current pass finish: the callbacks queued with the
    /// one that stops still run; what they schedule waits for the next run.
    fn stop_lets_the_pass_finish(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let log = Log::default();
        let (lp2, l2) = (lp.handle(), log.clone());
        lp.call_soon(move || {
            l2.push("stopper");
            lp2.stop();
            lp2.call_soon(l2.entry("next run"));
        });
        lp.call_soon(log.entry("same pass"));
        lp.run_forever()?;
        assert_eq!(log.get(), ["stopper", "same pass"]);
        assert_eq!(lp.stats().ready, 1);
        let lp3 = lp.handle();
        lp.call_soon(move || lp3.stop());
        lp.run_forever()?;
        assert_eq!(log.get(), ["stopper", "same pass", "next run"]);
        Ok(())
    }

    /// `stop()` before `run_forever` makes it do one pass that does not
    /// wait, even with a timer an hour away.
    fn stop_before_running_is_one_pass(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = record_passes(&lp);
        lp.call_later(Duration::from_secs(3600), || {});
        lp.stop();
        let started = Instant::now();
        lp.run_forever()?;
        assert!(started.elapsed() < Duration::from_secs(60));
        let passes = passes.borrow();
        assert_eq!(passes.len(), 1);
        assert_eq!((passes[0].reason, passes[0].timeout), (WaitReason::Stopping, Some(Duration::ZERO)));
        Ok(())
    }

    /// `run_until_complete` returns what the callback chain sets, and fails
    /// clearly, instead of hanging, when the chain stops or runs dry.
    fn run_until_complete_returns_or_says_why_not(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let value = lp.run_until_complete(|done| {
            let lp = done.loop_handle();
            lp.call_later(Duration::from_millis(5), move || done.set("finished"));
        })?;
        assert_eq!(value, "finished");

        let err = lp
            .run_until_complete(|done: ghetto_loop::event_loop::Done<()>| {
                done.loop_handle().stop();
            })
            .unwrap_err();
        assert!(err.to_string().contains("stopped before the operation completed"), "{err}");

        let err = lp.run_until_complete(|_done: ghetto_loop::event_loop::Done<()>| {}).unwrap_err();
        assert!(err.to_string().contains("would wait forever"), "{err}");
        Ok(())
    }

    /// A panicking callback is reported with its message and where it was
    /// scheduled, and the loop goes on; a panicking reader stays registered.
    fn a_panic_is_reported_and_the_loop_goes_on(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let reports = record_reports(&lp);
        let log = Log::default();
        let scheduled_at = Location::caller().line() + 1;
        lp.call_soon(|| panic!("boom in a callback"));
        lp.call_soon(log.entry("after the panic"));
        lp.run_once()?;
        assert_eq!(log.get(), ["after the panic"]);
        assert_eq!(lp.stats().panics, 1);
        match &reports.borrow()[0] {
            Report::Panicked { what, scheduled_at: at, message } => {
                assert_eq!(what, "callback");
                assert_eq!(message, "boom in a callback");
                assert!(at.file().ends_with("event_loop.rs"), "{at}");
                assert_eq!(at.line(), scheduled_at, "the report names the call_soon line");
            }
            other => panic!("expected a panic report, got {other:?}"),
        }

        let (mut ours, theirs) = UnixStream::pair()?;
        ours.write_all(b"x")?;
        let calls = Rc::new(Cell::new(0));
        let c = calls.clone();
        lp.add_reader(&theirs, move || {
            c.set(c.get() + 1);
            panic!("boom in a reader");
        })?;
        lp.run_once()?;
        lp.run_once()?;
        assert_eq!(calls.get(), 2, "the reader was called again");
        assert_eq!(lp.stats().panics, 3);
        assert!(reports.borrow()[1].to_string().contains("reader of fd"));
        lp.remove_reader(&theirs)?;
        Ok(())
    }

    /// Debug mode reports a callback that runs longer than the threshold,
    /// with how long and where it was scheduled; fast ones are not reported.
    fn debug_mode_reports_slow_callbacks(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let reports = record_reports(&lp);
        lp.call_soon(|| std::thread::sleep(Duration::from_millis(60)));
        lp.run_once()?;
        assert!(reports.borrow().is_empty(), "debug mode is off: nothing timed");

        lp.set_debug(true);
        lp.set_slow_callback_duration(Duration::from_millis(30));
        let scheduled_at = Location::caller().line() + 1;
        lp.call_soon(|| std::thread::sleep(Duration::from_millis(60)));
        lp.call_soon(|| {});
        lp.run_once()?;
        let reports = reports.borrow();
        assert_eq!(reports.len(), 1, "only the slow one: {reports:?}");
        match &reports[0] {
            Report::Slow { took, scheduled_at: at, .. } => {
                assert!(*took >= Duration::from_millis(60), "{took:?}");
                assert_eq!(at.line(), scheduled_at);
            }
            other => panic!("expected a slow-callback report, got {other:?}"),
        }
        assert_eq!(lp.stats().slow, 1);
        Ok(())
    }

    /// `call_soon_threadsafe` wakes a loop that is waiting with no timeout,
    /// and the callback runs on the loop's thread.
    fn call_soon_threadsafe_wakes_a_waiting_loop(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = record_passes(&lp);
        let (_ours, theirs) = UnixStream::pair()?;
        lp.add_reader(&theirs, || {})?;
        let loop_thread = std::thread::current().id();
        let remote = lp.remote();
        let (tx, rx) = std::sync::mpsc::channel();
        let sender = std::thread::spawn(move || -> io::Result<()> {
            for i in 0..3 {
                let tx = tx.clone();
                remote.call_soon_threadsafe(move || {
                    let _ = tx.send((i, std::thread::current().id()));
                    if i == 2 {
                        LoopHandle::current().stop();
                    }
                })?;
            }
            Ok(())
        });
        let (_guard, fired) = guard(&lp, PATIENCE);
        lp.run_forever()?;
        sender.join().expect("the sender does not panic")?;
        assert!(!fired.get(), "the loop was never woken");
        let got: Vec<_> = rx.try_iter().collect();
        assert_eq!(got, [(0, loop_thread), (1, loop_thread), (2, loop_thread)]);
        assert!(passes.borrow().iter().map(|p| p.threadsafe).sum::<usize>() == 3);
        lp.remove_reader(&theirs)?;
        Ok(())
    }

    /// A thread that sends a callback and drops its `Remote` before the
    /// loop looks is not mistaken for "nothing can ever happen".
    fn a_remote_that_sent_and_left_is_not_silence(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let remote = lp.remote();
        std::thread::spawn(move || remote.call_soon_threadsafe(|| LoopHandle::current().stop()))
            .join()
            .expect("the sender does not panic")?;
        lp.run_forever()?;
        assert_eq!(lp.stats().ran, 1);
        Ok(())
    }

    /// Inside a callback, `LoopHandle::current()` is the running loop;
    /// outside, there is none, and a second loop cannot run inside the first.
    fn current_is_the_running_loop(kind) {
        let lp = EventLoop::with_kind(kind)?;
        assert!(LoopHandle::try_current().is_none());
        let other = EventLoop::with_kind(kind)?;
        let me = lp.handle();
        let nested = lp.run_until_complete(move |done| {
            assert!(LoopHandle::current() == me && me.is_running());
            other.call_soon(|| {});
            done.set(other.run_once().unwrap_err().to_string());
        })?;
        assert!(nested.contains("another event loop is already running"), "{nested}");
        assert!(LoopHandle::try_current().is_none());
        assert!(!lp.is_running());
        Ok(())
    }

    /// Dropping the loop closes it: every callback, reader, writer and
    /// timer is dropped (with what it captured, handles to the loop
    /// included), the selector's fds are closed, and later calls say so.
    fn dropping_the_loop_frees_everything(kind) {
        struct Tracker(Rc<Cell<u32>>);
        impl Drop for Tracker {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let before = open_fds();
        let dropped = Rc::new(Cell::new(0));
        let lp = EventLoop::with_kind(kind)?;
        let (_ours, theirs) = UnixStream::pair()?;
        let keep = lp.handle();
        {
            let (t1, t2, t3, t4) = (
                Tracker(dropped.clone()),
                Tracker(dropped.clone()),
                Tracker(dropped.clone()),
                Tracker(dropped.clone()),
            );
            // Each captures a handle to the loop: a cycle only close breaks.
            let (h1, h2, h3, h4) = (lp.handle(), lp.handle(), lp.handle(), lp.handle());
            lp.call_soon(move || drop((t1, h1)));
            lp.call_later(Duration::from_secs(3600), move || drop((t2, h2)));
            lp.add_reader(&theirs, move || { let _ = (&t3, &h3); })?;
            lp.add_writer(&theirs, move || { let _ = (&t4, &h4); })?;
        }
        let remote = lp.remote();
        drop(lp);
        assert_eq!(dropped.get(), 4, "every callback was dropped");
        assert!(keep.is_closed());
        assert!(keep.call_soon(|| {}).is_cancelled(), "a closed loop runs nothing");
        assert!(keep.add_reader(&theirs, || {}).is_err());
        let err = remote.call_soon_threadsafe(|| {}).unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");
        drop((keep, remote, theirs, _ours));
        assert_eq!(open_fds(), before);
        Ok(())
    }
}

// ---- The ready queue allocates nothing per wake-up (chapter 14's tasks) ----

#[global_allocator]
static ALLOCATOR: util::CountingAllocator = util::CountingAllocator;

/// A runnable that reschedules itself until it has run `left` more times.
struct Repeater {
    lp: LoopHandle,
    left: Cell<u32>,
    created_at: &'static Location<'static>,
}

impl Runnable for Repeater {
    fn run(self: Rc<Self>) {
        let left = self.left.get();
        if left == 0 {
            self.lp.stop();
        } else {
            self.left.set(left - 1);
            self.lp.schedule(self.clone());
        }
    }

    fn location(&self) -> &'static Location<'static> {
        self.created_at
    }

    fn describe(&self) -> String {
        "repeater".into()
    }
}

conformance! {
    /// Re-queuing a `Runnable` is an `Rc` clone: a thousand wake-ups cost
    /// no allocation at all, where a thousand `call_soon`s cost at least one
    /// each.
    fn a_runnable_is_requeued_without_allocating(kind) {
        let lp = EventLoop::with_kind(kind)?;
        // Warm up: the queue and the selector's event buffer reach their size.
        let warm = Rc::new(Repeater { lp: lp.handle(), left: Cell::new(10), created_at: Location::caller() });
        lp.schedule(warm);
        lp.run_forever()?;

        let repeater = Rc::new(Repeater { lp: lp.handle(), left: Cell::new(1000), created_at: Location::caller() });
        let before = allocations();
        lp.schedule(repeater.clone());
        lp.run_forever()?;
        let per_wakeup = allocations() - before;
        assert_eq!(repeater.left.get(), 0);
        assert_eq!(per_wakeup, 0, "{per_wakeup} allocations for 1000 wake-ups");

        let before = allocations();
        for _ in 0..1000 {
            lp.call_soon(|| {});
        }
        assert!(allocations() - before >= 1000, "a callback is a new allocation each time");
        lp.run_once()?;
        Ok(())
    }
}

/// `GHETTO_DEBUG=1` turns debug mode on for new loops, and `0` leaves it
/// off. The environment is the process's, so this runs the check below in
/// a child process of this same test binary, once with each value.
#[test]
fn ghetto_debug_env_turns_debug_mode_on() -> io::Result<()> {
    for (value, expect) in [("1", "true"), ("0", "false")] {
        let output = std::process::Command::new(std::env::current_exe()?)
            .args([
                "--exact",
                "debug_mode_as_the_environment_says",
                "--nocapture",
            ])
            .env("GHETTO_DEBUG", value)
            .env("EXPECT_DEBUG", expect)
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "GHETTO_DEBUG={value}: {stdout}");
        assert!(
            stdout.contains("1 passed"),
            "the check did not run: {stdout}"
        );
    }
    Ok(())
}

/// Run by the test above in a child process.
#[test]
fn debug_mode_as_the_environment_says() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let expected = std::env::var("EXPECT_DEBUG").map(|v| v == "true");
    // Run on its own, not by the test above, there is nothing to compare.
    if let Ok(expected) = expected {
        assert_eq!(lp.debug(), expected);
    }
    Ok(())
}

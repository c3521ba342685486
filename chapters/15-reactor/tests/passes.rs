//! The loop's record of its passes, on every selector: it parks in the
//! selector only when nothing is ready, and a task woken by readiness runs
//! in the pass whose wait saw its socket.

mod util;

use ch15_reactor::passes::{self, looked_only, woke_and_ran};
use ghetto_loop::event_loop::WaitReason;
use util::on_every_selector;

on_every_selector! {
    /// One request at a time: one pass per request, which parks with no
    /// timeout, wakes the task and runs it. Not two passes (a wait, then a
    /// zero-timeout pass to run the woken task).
    fn one_request_is_one_pass_that_parks_wakes_and_runs(kind) {
        let record = passes::record(kind, 1, 50)?;
        assert_eq!(record.requests.len(), 50, "{:#?}", record.requests);
        for pass in &record.requests {
            assert_eq!((pass.reason, pass.timeout), (WaitReason::Nothing, None), "{pass:?}");
            assert_eq!((pass.io_callbacks, pass.ran, pass.left_for_next), (1, 1, 0), "{pass:?}");
        }
        Ok(())
    }

    /// Eight requests at once: a wait may see several sockets; every task
    /// it wakes runs in that pass, and no pass only looks.
    fn tasks_woken_together_run_in_the_pass_that_saw_them(kind) {
        let record = passes::record(kind, 8, 10)?;
        assert!(record.requests.len() <= 80, "{:#?}", record.requests);
        assert_eq!(record.looked(), 0, "{:#?}", record.requests);
        assert!(record.requests.iter().all(woke_and_ran), "{:#?}", record.requests);
        let woken: usize = record.requests.iter().map(|p| p.io_callbacks).sum();
        assert_eq!(woken, 80, "one wake-up per request");
        Ok(())
    }

    /// The setup's zero-timeout passes are the ones that began with work
    /// queued (a task spawned by the accept loop), and the loop still
    /// looked at the fds first.
    fn only_queued_work_makes_a_pass_skip_the_wait(kind) {
        let record = passes::record(kind, 3, 1)?;
        for pass in record.setup.iter().chain(&record.requests) {
            assert_eq!(
                looked_only(pass),
                pass.reason == WaitReason::Ready,
                "{pass:?}"
            );
        }
        assert!(record.setup_looked() >= 3, "a pass per spawned connection task: {:#?}", record.setup);
        Ok(())
    }
}

//! Stack ripping: the straight-line handler's error keeps its callers and
//! their context; the callback chain's does not.

use std::cell::RefCell;
use std::rc::Rc;

use ch11_event_loop::stack_ripping::{callbacks, straight_line};
use ghetto_loop::event_loop::{EventLoop, Report};

#[test]
fn straight_line_code_keeps_its_callers_and_their_context() {
    let seen = straight_line(42);
    assert_eq!(seen.on_stack, ["render", "handle_request"]);
    assert!(seen.error.contains("for user 42"), "{}", seen.error);
    assert!(seen.error.contains("no \"name\""), "{}", seen.error);
}

#[test]
fn a_callback_chain_loses_them_and_keeps_one_location() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let reports = Rc::new(RefCell::new(Vec::new()));
    let sink = reports.clone();
    lp.set_report_handler(move |r: &Report| sink.borrow_mut().push(r.clone()));
    let seen = callbacks(&lp, 42);
    assert_eq!(seen.on_stack, ["render_cb"], "the callers had returned");
    assert!(seen.error.contains("would wait forever"), "{}", seen.error);
    assert!(
        !seen.error.contains("42"),
        "the request's context reached the caller: {}",
        seen.error
    );
    let reports = reports.borrow();
    match reports.as_slice() {
        [
            Report::Panicked {
                scheduled_at,
                message,
                ..
            },
        ] => {
            assert!(
                scheduled_at.file().ends_with("stack_ripping.rs"),
                "{scheduled_at}"
            );
            assert!(message.contains("no \"name\""), "{message}");
            assert!(!message.contains("42"), "{message}");
        }
        other => panic!("expected one panic report, got {other:?}"),
    }
    Ok(())
}

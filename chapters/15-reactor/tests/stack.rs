//! Chapter 11's stack ripping, undone: the error made deep inside awaited
//! `async fn`s has every caller on its stack; the callback version had
//! only itself.

use ch15_reactor::stack_kept;
use ghetto_loop::event_loop::EventLoop;

#[test]
fn an_error_deep_in_awaited_async_fns_has_every_caller_on_its_stack() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let trial = stack_kept::a_bad_request_after_a_wait(&lp)?;
    assert_eq!(trial.reply, "hello", "the good request was answered first");
    let frames = trial.error.async_frames("ch15_reactor");
    assert!(
        frames.starts_with(&[
            "parse_header".to_owned(),
            "read_request".to_owned(),
            "handle_client".to_owned()
        ]),
        "innermost first: {frames:?}\n{}",
        trial.error.backtrace()
    );
    assert!(
        trial.error.polled_by_the_loop(),
        "the task was polled from the loop's pass:\n{}",
        trial.error.backtrace()
    );
    Ok(())
}

#[test]
fn every_caller_adds_its_context_on_the_way_up() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let trial = stack_kept::a_bad_request_after_a_wait(&lp)?;
    let message = trial.error.to_string();
    assert!(message.starts_with("client 127.0.0.1:"), "{message}");
    assert!(
        message.contains(": request 2: bad header \"LNE 5\""),
        "{message}"
    );
    assert_eq!(
        trial.error_line,
        format!("error: {message}"),
        "the client was told"
    );
    Ok(())
}

#[test]
fn chapter_11s_callback_chain_had_only_its_last_callback() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    lp.set_report_handler(|_| {});
    let seen = ch11_event_loop::stack_ripping::callbacks(&lp, 42);
    assert_eq!(seen.on_stack, ["render_cb"]);
    assert!(!seen.error.contains("42"), "{}", seen.error);
    Ok(())
}

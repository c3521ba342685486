//! The demo: the app on ghetto-loop, then on tokio, each put through the
//! same paces; then their figures side by side, with tokio's multi-thread
//! runtime's beside them (chapter 21).
//!
//! Every line it prints is what a client really got, or a figure really
//! measured.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use course::Timeline;
use ghetto_loop::sys::SelectorKind;

use crate::app::diff::{diff, render_changes};
use crate::app::fetch::{FetchPlan, FetchReport};
use crate::config::{Config, ShutdownReport};
use crate::probe::{ChatClient, HttpClient, one_answer};
use crate::run::{Runtime, start};

/// The bad inputs the demo (and the tests) send, each on a connection of
/// its own: what it is, and the bytes.
pub const BAD_INPUTS: &[(&str, &[u8])] = &[
    ("malformed request line", b"GET/HTTP/1.1\r\n\r\n"),
    ("unknown method", b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"),
    (
        "known method, wrong route",
        b"DELETE /status HTTP/1.1\r\nHost: x\r\n\r\n",
    ),
    (
        "POST without a length",
        b"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
    ),
    (
        "chunked body",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    ),
    ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"),
    ("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n\r\n"),
];

/// The adapter file that compiles the app for `runtime`: its path in the
/// crate, and its text as compiled.
pub fn shell_file(runtime: Runtime) -> (&'static str, &'static str) {
    match runtime {
        Runtime::Ghetto => ("src/on_ghetto.rs", include_str!("on_ghetto.rs")),
        Runtime::Tokio => ("src/on_tokio.rs", include_str!("on_tokio.rs")),
        Runtime::TokioMulti => ("src/on_tokio_mt.rs", include_str!("on_tokio_mt.rs")),
    }
}

/// The diff of two runtimes' adapter files, and how many lines differ.
pub fn shell_diff(old: Runtime, new: Runtime) -> (String, usize) {
    render_changes(&diff(shell_file(old).1, shell_file(new).1))
}

/// Runs the demo.
pub fn run() -> anyhow::Result<()> {
    let selector = SelectorKind::from_env()?;
    let mut results = Vec::new();
    for runtime in [Runtime::Ghetto, Runtime::Tokio] {
        println!("\n== the app on {} ==", runtime.name());
        let t = Timeline::new();
        results.push((runtime, on(runtime, selector, &t)?.0));
    }
    // The same app on tokio's multi-thread runtime answers the same (the
    // tests say so); here it only serves the fetcher, for its figures.
    results.push((Runtime::TokioMulti, fetched(Runtime::TokioMulti, selector)?));
    println!(
        "\n== side by side: the fetcher, N=2000, K=16, each runtime against its own server =="
    );
    println!(
        "{:<12} {:>9} {:>7} {:>10} {:>12} {:>10} {:>10}",
        "runtime", "completed", "failed", "elapsed", "requests/s", "p50", "p99"
    );
    for (runtime, report) in &results {
        println!(
            "{:<12} {:>9} {:>7} {:>8.3} s {:>12.0} {:>10.1?} {:>10.1?}",
            runtime.name(),
            report.completed,
            report.failures(),
            report.elapsed.as_secs_f64(),
            report.per_second(),
            report.percentile(0.50),
            report.percentile(0.99),
        );
    }
    println!(
        "(tokio-mt: server and fetcher each on a multi-thread runtime, {} workers apiece)",
        crate::run::cores()
    );
    let lines = |r| shell_file(r).1.lines().count();
    let (g, t, m) = (
        lines(Runtime::Ghetto),
        lines(Runtime::Tokio),
        lines(Runtime::TokioMulti),
    );
    let (_, changed) = shell_diff(Runtime::Ghetto, Runtime::Tokio);
    let (_, multi) = shell_diff(Runtime::Tokio, Runtime::TokioMulti);
    println!(
        "\nThe app's async code is one file, compiled once per runtime; the shells that\n\
         name the runtimes are {g} lines (ghetto-loop), {t} (tokio) and {m} (tokio-mt).\n\
         ghetto-loop and tokio differ in {changed} lines; tokio and tokio-mt in {multi}, most of\n\
         them tokio's I/O adapters, which tokio-mt imports from tokio's shell\n\
         (`cargo run -p ch21-capstone -- diff [A B]` shows them)."
    );
    Ok(())
}

/// Starts the app on `runtime` and runs the fetcher's default plan against
/// it, on the same runtime.
fn fetched(runtime: Runtime, selector: SelectorKind) -> anyhow::Result<FetchReport> {
    let mut config = Config::local();
    config.selector = selector;
    let app = start(runtime, config, 1)?;
    let report = runtime.fetch(selector, app.addrs.http, FetchPlan::default())?;
    app.shut_down()?;
    Ok(report)
}

/// Puts the app on `runtime` through its paces; the fetch and shutdown
/// reports.
fn on(
    runtime: Runtime,
    selector: SelectorKind,
    t: &Timeline,
) -> anyhow::Result<(FetchReport, ShutdownReport)> {
    let mut config = Config::local();
    config.selector = selector;
    config.header_timeout = Duration::from_millis(300);
    config.grace = Duration::from_secs(2);
    let app = start(runtime, config, 1)?;
    let (chat, http) = (
        app.addrs.chat.context("the app runs a chat")?,
        app.addrs.http,
    );
    t.log(
        "app",
        format!(
            "{} serves the chat on {chat} and HTTP on {http}",
            runtime.name()
        ),
    );

    let (mut alice, mut bob) = chat_scene(t, chat)?;
    pipelined(t, http)?;
    bad_inputs(t, http)?;
    let status = one_answer(http, b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")?;
    t.log("http", format!("GET /status -> {}", status.body.trim_end()));

    let plan = FetchPlan::default();
    t.log(
        "fetcher",
        format!(
            "{} requests to {}, at most {} in flight, {:?} each",
            plan.requests, plan.path, plan.in_flight, plan.timeout
        ),
    );
    let report = runtime.fetch(selector, http, plan)?;
    t.log("fetcher", &report);

    // Shutdown with two members in the chat and one idle HTTP connection.
    let mut idle = HttpClient::connect(http)?;
    idle.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")?;
    idle.answer(false)?;
    t.log("app", "shutdown: the same switch SIGTERM and Ctrl-C throw");
    let shutdown = app.shut_down()?;
    for (who, client) in [("alice", &mut alice), ("bob", &mut bob)] {
        t.log(
            who,
            format!("was told {:?}, then the server closed", client.rest()?),
        );
    }
    t.log(
        "http",
        format!("the idle connection was closed: {}", idle.closed()?),
    );
    t.log("app", format!("{shutdown:?}"));
    Ok((report, shutdown))
}

fn chat_scene(t: &Timeline, chat: SocketAddr) -> anyhow::Result<(ChatClient, ChatClient)> {
    let mut alice = ChatClient::connect(chat)?;
    t.log("alice", alice.line()?);
    let mut bob = ChatClient::connect(chat)?;
    t.log("bob", bob.line()?);
    t.log("alice", alice.line()?);
    alice.send(b"/nick alice\n")?;
    bob.send(b"/nick bob\n")?;
    t.log("bob", bob.line_where(|l| l.contains("is now bob"))?);
    t.log("alice", alice.line_where(|l| l.contains("is now bob"))?);
    alice.send(b"hello, bob\n")?;
    t.log("bob", bob.line()?);
    bob.send(&[b'x'; 2000])?;
    bob.send(b"\n")?;
    t.log(
        "bob",
        format!(
            "(sent 2000 bytes) {}",
            bob.line_where(|l| l.starts_with('!'))?
        ),
    );
    bob.send(b"caf\xe9\n")?;
    t.log("bob", format!("(sent Latin-1) {}", bob.line()?));
    bob.send(b"/who\n")?;
    t.log("bob", bob.line()?);
    Ok((alice, bob))
}

fn pipelined(t: &Timeline, http: SocketAddr) -> anyhow::Result<()> {
    let mut c = HttpClient::connect(http)?;
    c.send(b"GET /hello/ada HTTP/1.1\r\nHost: x\r\n\r\nHEAD /hello/ada HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")?;
    t.log(
        "http",
        "three requests in one write, on one kept-alive connection:",
    );
    for head_only in [false, true, false] {
        let a = c.answer(head_only)?;
        t.log(
            "http",
            format!(
                "  {} (Content-Length {}) {:?}",
                a.status_line,
                a.header("content-length").unwrap_or("?"),
                a.body
            ),
        );
    }
    let mut old = HttpClient::connect(http)?;
    old.send(b"GET / HTTP/1.0\r\n\r\n")?;
    let a = old.answer(false)?;
    t.log(
        "http",
        format!(
            "HTTP/1.0 without keep-alive: {}, closed after: {}",
            a.status_line,
            old.closed()?
        ),
    );
    Ok(())
}

fn bad_inputs(t: &Timeline, http: SocketAddr) -> anyhow::Result<()> {
    for (what, bytes) in BAD_INPUTS {
        let a = one_answer(http, bytes)?;
        t.log("http", format!("{what}: {}", a.body.trim_end()));
    }
    let mut huge = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    huge.extend(std::iter::repeat_n(b"X-Filler: 0123456789abcdef\r\n", 400).flatten());
    huge.extend_from_slice(b"\r\n");
    let a = one_answer(http, &huge)?;
    t.log(
        "http",
        format!("{} bytes of headers: {}", huge.len(), a.body.trim_end()),
    );
    let mut slow = HttpClient::connect(http)?;
    slow.send(b"GET / HTTP/1.1\r\nHo")?;
    let a = slow.answer(false)?;
    t.log(
        "http",
        format!("half a head, then silence: {}", a.body.trim_end()),
    );
    Ok(())
}

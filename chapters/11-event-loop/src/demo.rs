//! The chapter's demo: the loop's rules, a callback echo server with two
//! clients at once, and the stack a callback chain loses (chapter 11).

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;

use anyhow::{Context, bail};
use course::Timeline;
use course::line_client::LineClient;
use ghetto_loop::event_loop::{EventLoop, LoopHandle, Report};
use ghetto_loop::sys::Socket;

use crate::{echo, rules, stack_ripping};

pub use course::testing::PATIENCE;

/// Runs the three parts, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    let passes = rules::show(timeline)?;
    let first_wait = passes
        .iter()
        .find_map(|p| p.timeout.filter(|t| !t.is_zero()));
    timeline.log(
        "rules",
        match first_wait {
            Some(wait) => format!(
                "{} passes; the first real wait was {:.3} s, set by the 0.100 s timer, not the cancelled 0.050 s one",
                passes.len(),
                wait.as_secs_f64()
            ),
            None => format!(
                "{} passes, and none waited: every timer was due before the loop looked (did a callback block it?)",
                passes.len()
            ),
        },
    );

    let (while_connected, echo_passes) = echo_two_clients(timeline)?;
    timeline.log(
        "echo",
        format!(
            "client-2 was echoed {} client-1 left: one thread, {echo_passes} passes of the loop, two clients",
            if while_connected { "before" } else { "only after" }
        ),
    );

    stack_ripping_part(timeline)?;
    Ok(())
}

/// Part 2: the callback echo server and two overlapping clients. Returns
/// whether client-2 got its echo while client-1 was still connected, and
/// how many passes the loop made.
pub fn echo_two_clients(timeline: &Timeline) -> anyhow::Result<(bool, u64)> {
    let lp = EventLoop::new()?;
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), echo::BACKLOG)?;
    let addr = listener.local_addr()?;
    echo::start(&lp, listener)?;
    timeline.log(
        "server",
        format!("callback echo server on {addr}: one thread, a reader per socket"),
    );

    let remote = lp.remote();
    let script = {
        let timeline = timeline.clone();
        thread::spawn(move || -> anyhow::Result<bool> {
            let result = two_clients(addr, &timeline);
            // Whatever happened, let the loop's thread go.
            remote.call_soon_threadsafe(|| LoopHandle::current().stop())?;
            result
        })
    };
    // A guard, so a broken server fails the demo instead of hanging it.
    let stop = lp.handle();
    lp.call_later(PATIENCE, move || stop.stop());
    lp.run_forever()?;
    let while_connected = script
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))??;
    Ok((while_connected, lp.stats().passes))
}

fn two_clients(addr: SocketAddr, timeline: &Timeline) -> anyhow::Result<bool> {
    let mut one = Client::connect("client-1", addr, timeline)?;
    one.round_trip("hello")?;
    // client-1 stays connected while client-2 comes and goes.
    let (tx, rx) = mpsc::channel();
    let second = {
        let timeline = timeline.clone();
        thread::spawn(move || -> anyhow::Result<()> {
            let mut two = Client::connect("client-2", addr, &timeline)?;
            two.round_trip("hi")?;
            tx.send(())?;
            Ok(())
        })
    };
    let echoed_while_connected = rx.recv_timeout(PATIENCE).is_ok();
    second
        .join()
        .map_err(|_| anyhow::anyhow!("client-2 panicked"))??;
    one.round_trip("bye")?;
    timeline.log("client-1", "leaves");
    Ok(echoed_while_connected)
}

/// Part 3: the same failing request, straight-line and as callbacks.
pub fn stack_ripping_part(timeline: &Timeline) -> anyhow::Result<()> {
    let sync = stack_ripping::straight_line(42);
    timeline.log(
        "sync",
        format!("handle_request(42) returned Err: {}", sync.error),
    );
    timeline.log(
        "sync",
        format!(
            "on the stack when it failed: {}",
            sync.on_stack.join(" <- ")
        ),
    );

    let lp = EventLoop::new()?;
    {
        let timeline = timeline.clone();
        lp.set_report_handler(move |report: &Report| {
            timeline.log("loop", format!("report: {report}"))
        });
    }
    // The loop reports the panic itself; the default hook would print it
    // a second time, in a shape the timeline does not have.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    timeline.log(
        "callbacks",
        "handle_request_cb(42) schedules the load and returns; the loop calls the rest",
    );
    let cb = stack_ripping::callbacks(&lp, 42);
    std::panic::set_hook(hook);
    timeline.log(
        "callbacks",
        format!(
            "on the stack when it failed: {} (handle_request_cb and load_profile_cb had returned)",
            if cb.on_stack.is_empty() {
                "none of the handler's functions".to_owned()
            } else {
                cb.on_stack.join(" <- ")
            }
        ),
    );
    timeline.log(
        "callbacks",
        format!("run_until_complete returned Err: {}", cb.error),
    );
    if cb.on_stack.contains(&"handle_request_cb") || !sync.on_stack.contains(&"handle_request") {
        bail!("the stacks were not what the chapter says: sync {sync:?}, callbacks {cb:?}");
    }
    timeline.log(
        "ripping",
        format!(
            "straight-line: the caller got the error with its context ({} of our functions on the stack); callbacks: it got \"the loop ran dry\", and \"user 42\" survives nowhere",
            sync.on_stack.len()
        ),
    );
    Ok(())
}

/// A line client for the demo, written with `std::net`: the clients are
/// props, the server is the subject.
struct Client {
    name: &'static str,
    line: LineClient,
    timeline: Timeline,
}

impl Client {
    fn connect(
        name: &'static str,
        addr: SocketAddr,
        timeline: &Timeline,
    ) -> anyhow::Result<Client> {
        let line = LineClient::connect(addr).with_context(|| format!("{name}: connect"))?;
        timeline.log(name, "connected");
        Ok(Client {
            name,
            line,
            timeline: timeline.clone(),
        })
    }

    fn round_trip(&mut self, line: &str) -> anyhow::Result<()> {
        self.line
            .round_trip(line)
            .map_err(|e| anyhow::anyhow!("{}: {e}", self.name))?;
        self.timeline.log(self.name, format!("echoed {line:?}"));
        Ok(())
    }
}

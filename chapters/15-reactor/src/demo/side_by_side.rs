//! Part 1: chapter 11's callback echo server and the async one, on one loop,
//! served to the same two clients (chapter 15).

use std::net::SocketAddr;
use std::thread;

use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::net::TcpListener;
use ghetto_loop::sys::Socket;

use super::PATIENCE;
use super::client::Client;
use crate::compare::{ASYNC_SERVER, CALLBACK_SERVER, Shape};
use crate::echo;

/// Runs both servers on one loop, and the same script against each.
/// Returns whether both gave the same replies in the same order.
pub fn show(timeline: &Timeline) -> anyhow::Result<bool> {
    let lp = EventLoop::new()?;
    let localhost = SocketAddr::from(([127, 0, 0, 1], 0));
    let callback_listener = Socket::listen(localhost, ch11_event_loop::echo::BACKLOG)?;
    let callback_addr = callback_listener.local_addr()?;
    ch11_event_loop::echo::start(&lp, callback_listener)?;
    let listener = TcpListener::bind_on(&lp, localhost)?;
    let async_addr = listener.local_addr()?;
    lp.spawn(echo::accept_loop(listener));
    timeline.log(
        "servers",
        format!(
            "chapter 11's callback echo on {callback_addr}, the async echo on {async_addr}: one loop ({}), one thread",
            lp.selector_name()
        ),
    );

    let remote = lp.remote();
    let script = {
        let timeline = timeline.clone();
        thread::spawn(move || {
            let heard = two_clients("callbacks", callback_addr, &timeline).and_then(|callbacks| {
                Ok((callbacks, two_clients("async", async_addr, &timeline)?))
            });
            // Whatever happened, let the loop's thread go.
            let _ = remote.call_soon_threadsafe(|| LoopHandle::current().stop());
            heard
        })
    };
    // A guard, so a broken server fails the demo instead of hanging it.
    let stop = lp.handle();
    lp.call_later(PATIENCE, move || stop.stop());
    lp.run_forever()?;
    let (callbacks, async_) = script
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))??;
    let same = callbacks == async_;
    timeline.log(
        "servers",
        if same {
            format!(
                "both sent back the same {} pieces in the same order",
                callbacks.len()
            )
        } else {
            format!("they differ: callbacks {callbacks:?}, async {async_:?}")
        },
    );
    timeline.log(
        "compare",
        format!("callbacks: {}", Shape::of(CALLBACK_SERVER)),
    );
    timeline.log("compare", format!("async:     {}", Shape::of(ASYNC_SERVER)));
    Ok(same)
}

/// slow stops in the middle of a line; quick comes, is served and leaves;
/// slow finishes. Logged as `who`; returns everything the clients heard.
fn two_clients(who: &str, addr: SocketAddr, timeline: &Timeline) -> anyhow::Result<Vec<String>> {
    let mut heard = Vec::new();
    let mut slow = Client::connect(addr)?;
    slow.send("hel")?;
    heard.push(slow.receive(3)?);
    timeline.log(
        who,
        format!(
            "slow sent \"hel\" and stopped mid-line; got {:?} back (an echo answers bytes, not lines)",
            heard[0]
        ),
    );
    let mut quick = Client::connect(addr)?;
    quick.round_trip("hi\n")?;
    heard.push("hi\n".into());
    heard.push(quick.finish()?);
    timeline.log(
        who,
        "quick connected, got \"hi\\n\" back and left, while slow sat mid-line",
    );
    slow.round_trip("lo\n")?;
    heard.push("lo\n".into());
    heard.push(slow.finish()?);
    timeline.log(
        who,
        "slow finished its line, got \"lo\\n\" back and left; the server closed both",
    );
    Ok(heard)
}

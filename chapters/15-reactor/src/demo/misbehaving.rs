//! Part 4: peers that misbehave, on the async echo server (chapter 15).
//!
//! resetter closes without reading its echo, so its kernel answers with a
//! reset; hog sends and never reads, so the server's task for it waits to
//! write, then hog resets too. Each error ends that client's task, and
//! only that one: steady is served before, between and after.

use std::io::{self, ErrorKind, Write};
use std::net::SocketAddr;
use std::sync::mpsc::{self, Receiver};
use std::thread;

use anyhow::{Context, bail};
use course::Timeline;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::net::TcpListener;

use super::PATIENCE;
use super::client::Client;
use crate::echo;

/// How a client's task ended, as the server's `on_end` saw it.
type Ended = (SocketAddr, Result<(), ErrorKind>);

/// The most hog sends before its buffers and the server's are full; far
/// more than loopback's buffers hold.
const HOG_LIMIT: usize = 256 << 20;

/// Runs the server and the three clients. Returns how the tasks of
/// resetter and hog ended.
pub fn show(timeline: &Timeline) -> anyhow::Result<(ErrorKind, ErrorKind)> {
    let lp = EventLoop::new()?;
    let listener = TcpListener::bind_on(&lp, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = mpsc::channel::<Ended>();
    let log = timeline.clone();
    lp.spawn(echo::accept_loop_with(listener, move |peer, ended| {
        let how = match &ended {
            Ok(()) => "end-of-file".to_owned(),
            Err(e) => format!("error: {e}"),
        };
        log.log("server", format!("the task for {peer} ended: {how}"));
        let _ = tx.send((peer, ended.map_err(|e| e.kind())));
    }));
    timeline.log("server", format!("async echo on {addr}"));

    let remote = lp.remote();
    let script = {
        let timeline = timeline.clone();
        thread::spawn(move || {
            let result = script(addr, &rx, &timeline);
            let _ = remote.call_soon_threadsafe(|| LoopHandle::current().stop());
            result
        })
    };
    let stop = lp.handle();
    lp.call_later(PATIENCE * 2, move || stop.stop());
    lp.run_forever()?;
    script
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))?
}

fn script(
    addr: SocketAddr,
    ended: &Receiver<Ended>,
    timeline: &Timeline,
) -> anyhow::Result<(ErrorKind, ErrorKind)> {
    let mut steady = Client::connect(addr)?;
    steady.round_trip("before\n")?;
    timeline.log("steady", "echoed \"before\"");

    let resetter = Client::connect(addr)?;
    let resetter_addr = resetter.stream.local_addr()?;
    let reset = {
        let mut resetter = resetter;
        resetter.send("abc")?;
        // Wait until the echo is here, without taking it.
        let mut peek = [0u8; 3];
        while resetter.stream.peek(&mut peek)? < peek.len() {}
        timeline.log(
            "resetter",
            "sent \"abc\"; closes with the echo unread, so its kernel sends a reset",
        );
        drop(resetter);
        wait_for_end(ended, resetter_addr)?
    };
    steady.round_trip("after a reset\n")?;
    timeline.log("steady", "echoed \"after a reset\"");

    let hog = Client::connect(addr)?;
    let hog_addr = hog.stream.local_addr()?;
    let sent = fill(&hog)?;
    timeline.log(
        "hog",
        format!(
            "sent {} KiB and reads nothing: the buffers both ways are full, the server's task waits to write",
            sent >> 10
        ),
    );
    steady.round_trip("while hog hogs\n")?;
    timeline.log("steady", "echoed \"while hog hogs\"");
    if let Ok((peer, how)) = ended.try_recv() {
        bail!("a task ended while hog was stuck: {peer}: {how:?}");
    }
    drop(hog);
    timeline.log("hog", "closes with its echo unread: a reset");
    let hogged = wait_for_end(ended, hog_addr)?;
    steady.round_trip("still here\n")?;
    timeline.log("steady", "echoed \"still here\"; leaves");
    steady.finish()?;
    match (reset, hogged) {
        (Err(reset), Err(hogged)) => Ok((reset, hogged)),
        other => bail!("a misbehaving client's task ended without an error: {other:?}"),
    }
}

/// Sends until the socket takes no more (its buffers and the server's are
/// full); returns how much it sent.
fn fill(hog: &Client) -> anyhow::Result<usize> {
    hog.stream.set_nonblocking(true)?;
    let chunk = [b'x'; 64 * 1024];
    let mut sent = 0;
    while sent < HOG_LIMIT {
        match (&hog.stream).write(&chunk) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(sent),
            Err(e) => return Err(e.into()),
        }
    }
    bail!("hog sent {HOG_LIMIT} bytes and the server still read them all")
}

/// Waits until the server says the task of `peer` ended; returns how.
fn wait_for_end(
    ended: &Receiver<Ended>,
    peer: SocketAddr,
) -> anyhow::Result<Result<(), ErrorKind>> {
    loop {
        let (who, how) = ended
            .recv_timeout(PATIENCE)
            .with_context(|| format!("the task for {peer} did not end"))?;
        if who == peer {
            return Ok(how);
        }
    }
}

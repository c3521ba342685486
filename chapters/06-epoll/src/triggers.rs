//! Level- and edge-triggered epoll, side by side (chapter 06).
//!
//! The same thing happens to two epoll instances: a client sends 12 bytes,
//! and the reader takes only 5 per event, never draining the socket.
//!
//! * Level-triggered: "it is readable" is reported by every wait for as long
//!   as it is true. Three events, and the 12 bytes are all read.
//! * Edge-triggered: "it became readable" is reported once. One event, then
//!   silence, with 7 bytes sitting unread, until the client sends more. A
//!   server that waits for the next event before reading again waits forever.
//!
//! The rule that comes with edge-triggering: after each event, read until the
//! kernel says `WouldBlock`.

use std::io::{self, Write};
use std::os::fd::AsFd;
use std::time::Duration;

use course::Timeline;
use ghetto_loop::sys::{Epoll, Interest, Selector, Socket, Token};

/// What the client sends.
pub const MESSAGE: &[u8] = b"hello, world";

/// How much the reader takes per event: less than the message.
pub const BITE: usize = 5;

/// How long a wait gives up after, when nothing is reported.
const QUIET: Duration = Duration::from_millis(100);

/// The most waits one side makes.
const WAITS: usize = 5;

/// What one side saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// How many waits reported the socket readable.
    pub events: usize,
    /// Bytes still unread when the waits stopped reporting.
    pub unread_when_silent: usize,
}

/// Runs the scene on a level-triggered and on an edge-triggered epoll, and
/// then shows the edge-triggered fix. Logs under `level` and `edge`.
pub fn show(timeline: &Timeline) -> io::Result<(Seen, Seen)> {
    let level = scene(timeline, "level", Epoll::new()?)?;
    let edge = scene(timeline, "edge", Epoll::edge_triggered()?)?;
    Ok((level, edge))
}

/// One side: send [`MESSAGE`], then up to [`WAITS`] waits, reading a
/// [`BITE`] per event. For edge-triggered, then the fix.
fn scene(timeline: &Timeline, who: &str, mut epoll: Epoll) -> io::Result<Seen> {
    let (client, conn) = connected_pair()?;
    conn.set_nonblocking(true)?;
    epoll.register(conn.as_fd(), Token(1), Interest::READABLE)?;
    (&client).write_all(MESSAGE)?;
    timeline.log(
        "client",
        format!("sends {:?} ({} bytes)", as_text(MESSAGE), MESSAGE.len()),
    );

    let mut unread = MESSAGE.len();
    let mut seen = Seen {
        events: 0,
        unread_when_silent: 0,
    };
    let mut events = Vec::new();
    for wait in 1..=WAITS {
        epoll.wait(&mut events, Some(QUIET))?;
        if events.is_empty() {
            timeline.log(
                who,
                format!(
                    "wait {wait}: nothing for {:.1} s, with {unread} bytes unread",
                    QUIET.as_secs_f64()
                ),
            );
            seen.unread_when_silent = unread;
            break;
        }
        seen.events += 1;
        let mut bite = [0u8; BITE];
        let n = read_some(&conn, &mut bite)?;
        unread -= n;
        timeline.log(
            who,
            format!(
                "wait {wait}: readable; read {n} bytes {:?}, {unread} left",
                as_text(&bite[..n])
            ),
        );
    }

    if epoll.is_edge_triggered() && unread > 0 {
        // The fix: on an edge, drain. Read until the kernel says WouldBlock.
        let mut drained = Vec::new();
        let mut bite = [0u8; BITE];
        loop {
            match conn.read(&mut bite) {
                Ok(0) => break,
                Ok(n) => drained.extend_from_slice(&bite[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        timeline.log(
            who,
            format!(
                "the fix, on an edge read until WouldBlock: got the {} bytes left, {:?}",
                drained.len(),
                as_text(&drained)
            ),
        );
    }
    epoll.deregister(conn.as_fd())?;
    Ok(seen)
}

/// One read, where `WouldBlock` counts as nothing read.
fn read_some(conn: &Socket, buf: &mut [u8]) -> io::Result<usize> {
    match conn.read(buf) {
        // Reported readable but nothing there: only possible if someone
        // else read first. Treat as nothing read.
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
        other => other,
    }
}

/// A connected TCP pair over loopback: (client, server side).
fn connected_pair() -> io::Result<(Socket, Socket)> {
    let listener = Socket::listen("127.0.0.1:0".parse().expect("an address"), 1)?;
    let client = Socket::connect(listener.local_addr()?)?;
    let (conn, _) = listener.accept()?;
    Ok((client, conn))
}

fn as_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

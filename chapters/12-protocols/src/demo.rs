//! The chapter's demo: a chat with four clients, good and bad (chapter 12).
//!
//! alice and bob chat. alice sends a line over the limit and a line that is
//! not UTF-8, and gets an error for each; bob sees neither. carol joins and
//! never reads again: while alice floods the room, carol's buffer fills, the
//! room skips her and finally disconnects her, and bob gets every line. dave
//! vanishes in the middle of a line; the room is told he left, and nobody
//! sees his half line.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use course::Timeline;
use course::line_client::LineClient;
use course::testing::open_fds;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};

use crate::chat::{self, ChatConfig, ChatStats};

pub use course::testing::PATIENCE;

/// The room's limits in the demo: the defaults, with a short grace period
/// so the demo does not wait five seconds for carol.
pub const CONFIG: ChatConfig = ChatConfig {
    max_line: 1024,
    high_water: 64 * 1024,
    grace: Duration::from_millis(300),
};

/// Lines alice sends between two checks that bob has them all: 32 KiB,
/// under the high-water mark, so a reading client is never paused.
const BURST: usize = 32;

/// What the demo measured.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// The room's own counts.
    pub stats: ChatStats,
    /// Flood lines alice sent.
    pub flood_sent: usize,
    /// Flood lines bob received.
    pub flood_received: usize,
    /// Open fds before the server started, and after everything closed.
    pub fds: (usize, usize),
}

/// Runs the demo, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    let outcome = run_measured(timeline)?;
    let s = outcome.stats;
    timeline.log(
        "demo",
        format!(
            "bob got {} of alice's {} flood lines; carol was cut off after the room skipped {} messages for her, with at most {} KiB buffered for anyone (high-water {} KiB); {} bad lines refused; fds {} before, {} after",
            outcome.flood_received,
            outcome.flood_sent,
            s.skipped,
            s.largest_buffer / 1024,
            CONFIG.high_water / 1024,
            s.refused_lines,
            outcome.fds.0,
            outcome.fds.1,
        ),
    );
    Ok(())
}

/// Runs the demo and returns what it measured.
pub fn run_measured(timeline: &Timeline) -> anyhow::Result<Outcome> {
    let fds_before = open_fds();
    let (stats, (flood_sent, flood_received)) = {
        let lp = EventLoop::new()?;
        let log = timeline.clone();
        let room = chat::start(
            &lp,
            SocketAddr::from(([127, 0, 0, 1], 0)),
            CONFIG,
            move |line| log.log("server", line),
        )?;
        let addr = room.local_addr();
        timeline.log(
            "server",
            format!(
                "chat on {addr} ({}), lines up to {} bytes",
                lp.selector_name(),
                CONFIG.max_line
            ),
        );
        let remote = lp.remote();
        let script = {
            let timeline = timeline.clone();
            thread::spawn(move || {
                let result = script(addr, &timeline);
                // Whatever happened, let the loop's thread go.
                let _ = remote.call_soon_threadsafe(|| LoopHandle::current().stop());
                result
            })
        };
        let stop = lp.handle();
        lp.call_later(PATIENCE * 3, move || stop.stop());
        lp.run_forever()?;
        let flood = script
            .join()
            .map_err(|_| anyhow::anyhow!("the client script panicked"))??;
        (room.stats(), flood)
    };
    Ok(Outcome {
        stats,
        flood_sent,
        flood_received,
        fds: (fds_before, open_fds()),
    })
}

/// The clients' side; returns (flood lines sent, flood lines bob got).
fn script(addr: SocketAddr, timeline: &Timeline) -> anyhow::Result<(usize, usize)> {
    let mut alice = Client::connect("alice", addr, timeline)?;
    let mut bob = Client::connect("bob", addr, timeline)?;
    alice.expect("joined")?;
    alice.say("/nick alice")?;
    bob.expect("is now alice")?;
    bob.say("/nick bob")?;
    alice.expect("is now bob")?;
    alice.say("hello, bob")?;
    bob.expect("<alice> hello, bob")?;

    let long = "x".repeat(2000);
    alice.send(format!("{long}\n").as_bytes(), "a 2000-byte line")?;
    alice.expect("! line too long")?;
    alice.send(
        b"caf\xe9 au lait\n",
        "\"caf\\xe9 au lait\" (Latin-1, not UTF-8)",
    )?;
    alice.expect("not valid UTF-8")?;
    alice.say("did you get those?")?;
    bob.expect("<alice> did you get those?")?;
    if bob
        .seen
        .iter()
        .any(|l| l.contains("xxx") || l.contains("caf"))
    {
        bail!("a refused line reached bob");
    }
    timeline.log("bob", "saw neither refused line");

    let mut carol = Client::connect("carol", addr, timeline)?;
    carol.say("/nick carol")?;
    bob.expect("is now carol")?;
    timeline.log("carol", "stops reading, for good");
    let flood = flood(&mut alice, bob, timeline)?;
    let mut bob = flood.bob;
    drop(carol);

    let mut dave = Client::connect("dave", addr, timeline)?;
    dave.say("/nick dave")?;
    bob.expect("is now dave")?;
    dave.send(b"half a li", "half a line, no newline")?;
    timeline.log("dave", "vanishes (closes the connection mid-line)");
    drop(dave);
    bob.expect("* dave left")?;
    alice.say("still here?")?;
    bob.expect("<alice> still here?")?;
    if bob.seen.iter().any(|l| l.contains("half a li")) {
        bail!("dave's half line reached bob");
    }
    alice.say("/quit")?;
    alice.expect("* bye")?;
    bob.expect("* alice left")?;
    Ok((flood.sent, flood.received))
}

/// How the flood went.
struct Flood {
    bob: Client,
    sent: usize,
    received: usize,
}

/// What bob's reader thread reports.
enum FromBob {
    /// Flood lines received so far.
    Received(usize),
    /// The notice that carol was disconnected, and bob himself.
    CarolGone(String, Box<Client>),
    /// Bob's connection failed.
    Failed(anyhow::Error),
}

/// alice floods the room in bursts, and waits after each until bob has
/// every line; carol reads nothing. Ends when bob sees carol disconnected.
fn flood(alice: &mut Client, mut bob: Client, timeline: &Timeline) -> anyhow::Result<Flood> {
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut received = 0;
        loop {
            match bob.next_line() {
                Ok(line) if line.starts_with("<alice> flood") => {
                    received += 1;
                    let _ = tx.send(FromBob::Received(received));
                }
                Ok(line) if line.contains("carol was disconnected") => {
                    let _ = tx.send(FromBob::Received(received));
                    let _ = tx.send(FromBob::CarolGone(line, Box::new(bob)));
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = tx.send(FromBob::Failed(e));
                    return;
                }
            }
        }
    });
    timeline.log(
        "alice",
        format!("floods the room, {BURST} lines of 1000 bytes at a time"),
    );
    let filler = "~".repeat(1000 - "flood 000000 ".len() - 1);
    let (mut sent, mut received) = (0, 0);
    let bob = 'flood: loop {
        for _ in 0..BURST {
            alice
                .line
                .stream()
                .write_all(format!("flood {sent:06} {filler}\n").as_bytes())?;
            sent += 1;
        }
        // Wait until bob has the whole burst (or carol is gone).
        while received < sent {
            match rx.recv_timeout(PATIENCE).context("bob stopped reporting")? {
                FromBob::Received(n) => received = n,
                FromBob::CarolGone(line, bob) => {
                    timeline.log("bob", format!("got {line:?}"));
                    break 'flood *bob;
                }
                FromBob::Failed(e) => return Err(e.context("bob's connection failed")),
            }
        }
        if sent > 200_000 {
            bail!("200 MB flooded and carol is still connected");
        }
    };
    // Bob's last count arrived before the notice; alice may have sent a
    // few lines more that bob reads later.
    reader
        .join()
        .map_err(|_| anyhow::anyhow!("bob's reader panicked"))?;
    timeline.log(
        "alice",
        format!(
            "sent {sent} flood lines ({:.1} MB); bob had {received} of them when carol was cut off",
            sent as f64 / 1000.0
        ),
    );
    let mut bob = bob;
    while received < sent {
        let line = bob.next_line()?;
        if line.starts_with("<alice> flood") {
            received += 1;
        }
    }
    timeline.log("bob", format!("got all {received} flood lines"));
    Ok(Flood {
        bob,
        sent,
        received,
    })
}

/// A chat client for the demo, written with `std::net`: the clients are
/// props, the server is the subject.
struct Client {
    name: &'static str,
    line: LineClient,
    /// Every line received so far, but the flood.
    seen: Vec<String>,
    timeline: Timeline,
}

impl Client {
    fn connect(
        name: &'static str,
        addr: SocketAddr,
        timeline: &Timeline,
    ) -> anyhow::Result<Client> {
        // Each line goes out at once (the line client sets TCP_NODELAY):
        // otherwise Nagle's algorithm holds a small write back until the
        // previous one is acknowledged, and the server's delayed ACK makes
        // that up to 40 ms.
        let line = LineClient::connect(addr).with_context(|| format!("{name}: connect"))?;
        let mut client = Client {
            name,
            line,
            seen: Vec::new(),
            timeline: timeline.clone(),
        };
        let welcome = client.next_line()?;
        timeline.log(name, format!("connected: {welcome:?}"));
        Ok(client)
    }

    /// Sends a line of text.
    fn say(&mut self, line: &str) -> anyhow::Result<()> {
        self.timeline.log(self.name, format!("says {line:?}"));
        self.line.send(line)?;
        Ok(())
    }

    /// Sends raw bytes, described as `what` on the timeline.
    fn send(&mut self, bytes: &[u8], what: &str) -> anyhow::Result<()> {
        self.timeline.log(self.name, format!("sends {what}"));
        self.line.stream().write_all(bytes)?;
        Ok(())
    }

    fn next_line(&mut self) -> anyhow::Result<String> {
        let line = self
            .line
            .next_line()
            .map_err(|e| anyhow::anyhow!("{}: waiting for a line: {e}", self.name))?;
        // The flood is megabytes of the same line: count it, do not keep it.
        if !line.starts_with("<alice> flood") {
            self.seen.push(line.clone());
        }
        Ok(line)
    }

    /// Reads lines until one contains `what`, and logs it.
    fn expect(&mut self, what: &str) -> anyhow::Result<String> {
        loop {
            let line = self.next_line()?;
            if line.contains(what) {
                self.timeline.log(self.name, format!("got {line:?}"));
                return Ok(line);
            }
        }
    }
}

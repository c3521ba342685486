//! The demo's graceful shutdown: the line server, four clients in four
//! different states, and a SIGTERM the demo sends itself (chapter 20).
//!
//! * `alice` asked and got her answer before the signal;
//! * `bob`'s request is being worked on when the signal comes;
//! * `carol` is half way through a line, and sends the rest after the
//!   goodbye (the server must not answer it, nor reset her connection);
//! * `dave` sent two lines at once: one in progress, one waiting;
//! * `erin` comes after the signal, and is refused.
//!
//! Everything runs on one loop: the server's tasks and the clients'. The
//! signal goes through a signalfd made on the loop's thread, and `raise`
//! sends it to that thread.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use course::Timeline;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::signal::Signals;
use ghetto_loop::sys::{SIGTERM, raise_signal};
use ghetto_loop::task;
use ghetto_loop::time::{join, join_all, sleep};

use crate::server::{GOODBYE, Log, Options, Summary, run};

/// The server's timings in the demo: a request takes 400 ms, so that the
/// signal finds some in progress.
pub const OPTIONS: Options = Options {
    work: Duration::from_millis(400),
    slow_work: Duration::from_secs(60),
    grace: Duration::from_secs(2),
    linger: Duration::from_secs(1),
};

/// What every client heard, and how the server counted it.
#[derive(Debug)]
pub struct Outcome {
    /// Each client's name and every line it received, in order.
    pub heard: Vec<(&'static str, Vec<String>)>,
    /// How `erin`'s connect, after the signal, went.
    pub late_connect: io::Result<()>,
    /// The server's own count.
    pub summary: Summary,
}

/// What each client must hear, if nothing acknowledged is lost and
/// nobody is answered a request it did not make.
pub fn expected() -> Vec<(&'static str, Vec<String>)> {
    let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
    vec![
        ("alice", lines(&["ok 1", GOODBYE])),
        ("bob", lines(&[GOODBYE, "ok 1"])),
        ("carol", lines(&[GOODBYE])),
        ("dave", lines(&[GOODBYE, "ok 1", "ok 2"])),
    ]
}

/// Plays the scenario of the module docs on the running loop.
pub async fn scenario(timeline: &Timeline, opts: Options) -> io::Result<Outcome> {
    // Made before the raise, on this thread: SIGTERM is blocked here from
    // now on, and waits in the kernel until the server reads it.
    let term = Signals::new(SIGTERM)?;
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
    let addr = listener.local_addr()?;
    timeline.log(
        "server",
        format!(
            "line server on {addr}: `ok <n>` after {} ms of work; SIGTERM through a signalfd",
            opts.work.as_millis()
        ),
    );
    let to = timeline.clone();
    let log: Log = Rc::new(move |who, what| to.log(who, what));
    let server = task::spawn(async move { run(listener, term.recv(), opts, log).await });

    let mut alice = Peer::connect("alice", addr, timeline).await?;
    alice.send("hello\n").await?;
    alice.line().await?;
    let bob = Peer::connect("bob", addr, timeline).await?;
    bob.send("report\n").await?;
    let carol = Peer::connect("carol", addr, timeline).await?;
    carol.send("half a li").await?;
    let dave = Peer::connect("dave", addr, timeline).await?;
    dave.send("one\ntwo\n").await?;
    timeline.log(
        "operator",
        "the server numbers connections as it accepts them: #1 alice, #2 bob, #3 carol, #4 dave",
    );
    // Lets the server read what they sent: on loopback it is there already.
    sleep(opts.work / 4).await;

    timeline.log("operator", "raise(SIGTERM): the demo signals itself");
    raise_signal(SIGTERM)?;
    let late = async {
        sleep(opts.work / 4).await;
        let tried = TcpStream::connect(addr).await.map(drop);
        match &tried {
            Ok(()) => timeline.log("erin", "connected (it should not have)"),
            Err(e) => timeline.log("erin", format!("connect after the signal: {e}")),
        }
        tried
    };
    let rests = join_all([
        alice.rest(""),
        bob.rest(""),
        carol.rest("ne\n"),
        dave.rest(""),
    ]);
    let (rests, late_connect) = join(rests, late).await;
    let summary = server.await.map_err(io::Error::other)??;
    let mut heard = Vec::new();
    for rest in rests {
        heard.push(rest?);
    }
    Ok(Outcome {
        heard,
        late_connect,
        summary,
    })
}

/// A scripted client that logs what it sends and hears.
struct Peer<'t> {
    name: &'static str,
    stream: TcpStream,
    /// Bytes read but not yet a whole line.
    unread: Vec<u8>,
    /// Every line heard so far.
    heard: Vec<String>,
    timeline: &'t Timeline,
}

impl<'t> Peer<'t> {
    async fn connect(
        name: &'static str,
        addr: SocketAddr,
        timeline: &'t Timeline,
    ) -> io::Result<Peer<'t>> {
        let stream = TcpStream::connect(addr).await?;
        timeline.log(name, "connected");
        Ok(Peer {
            name,
            stream,
            unread: Vec::new(),
            heard: Vec::new(),
            timeline,
        })
    }

    async fn send(&self, text: &str) -> io::Result<()> {
        self.stream.write_all(text.as_bytes()).await?;
        self.timeline.log(self.name, format!("sent {text:?}"));
        Ok(())
    }

    /// The next line from the server, or `None` at its end of file.
    async fn line(&mut self) -> io::Result<Option<String>> {
        let mut buf = [0; 1024];
        loop {
            if let Some(end) = self.unread.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.unread.drain(..=end).collect();
                let line = String::from_utf8_lossy(&line[..end]).into_owned();
                self.timeline.log(self.name, format!("got {line:?}"));
                self.heard.push(line.clone());
                return Ok(Some(line));
            }
            match self.stream.read(&mut buf).await? {
                0 => return Ok(None),
                n => self.unread.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// Reads to the end, sending `after_bye` (if not empty) once told
    /// goodbye; returns the name and every line heard.
    async fn rest(mut self, after_bye: &str) -> io::Result<(&'static str, Vec<String>)> {
        while let Some(line) = self.line().await? {
            if line == GOODBYE && !after_bye.is_empty() {
                self.send(after_bye).await?;
            }
        }
        self.timeline
            .log(self.name, "end of file: the server closed the connection");
        Ok((self.name, self.heard))
    }
}

//! The chapter's demo: one server thread, two clients (chapter 01).
//!
//! client-1 connects, says hello, and then stays connected without a word.
//! client-2 connects meanwhile and sends "hi". Its `connect` returns at once,
//! because the kernel finishes the handshake and queues the connection, but
//! its echo comes only when client-1 leaves and the server, whose one thread
//! sat in `read` on client-1 all along, finally `accept`s client-2.

use std::io::{self};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use course::Timeline;
use course::line_client::LineClient;
use course::testing::PATIENCE;
use ghetto_loop::sys::Socket;

use crate::server;

/// How long client-1 stays connected and silent once client-2 has sent its
/// line: the time client-2 should be seen waiting.
pub const IDLE: Duration = Duration::from_millis(500);

/// Runs the demo, logging every step on `timeline`, and ends with the
/// measured wait of client-2.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    timeline.log(
        "server",
        format!(
            "listening on {addr} as fd {}, with one thread",
            listener.as_raw_fd()
        ),
    );

    // The server: the same loop as `serve_forever`, stopped after two clients
    // so that the demo can end.
    let server = {
        let timeline = timeline.clone();
        thread::spawn(move || -> io::Result<()> {
            let log = |line: String| timeline.log("server", line);
            server::serve_next(&listener, &log)?;
            server::serve_next(&listener, &log)
        })
    };

    let (hello_done, hello_done_rx) = mpsc::channel();
    let (hi_sent, hi_sent_rx) = mpsc::channel();
    let client1 = {
        let timeline = timeline.clone();
        thread::spawn(move || -> anyhow::Result<()> {
            let mut client = Client::connect("client-1", addr, &timeline)?;
            client.send("hello")?;
            client.expect_echo("hello")?;
            hello_done.send(())?;
            hi_sent_rx
                .recv_timeout(PATIENCE)
                .context("client-2 never sent its line")?;
            timeline.log(
                "client-1",
                format!(
                    "stays connected and says nothing for {:.1} s",
                    IDLE.as_secs_f64()
                ),
            );
            thread::sleep(IDLE);
            timeline.log("client-1", "leaves (closes its socket)");
            drop(client);
            Ok(())
        })
    };

    // client-2 starts once client-1 is being served, so the server is
    // certainly inside client-1's `read` when client-2 arrives.
    hello_done_rx
        .recv_timeout(PATIENCE)
        .context("client-1 never got its first echo")?;
    let before_connect = timeline.elapsed();
    let mut client2 = Client::connect("client-2", addr, timeline)?;
    let connect_took = timeline.elapsed() - before_connect;
    timeline.log(
        "client-2",
        format!(
            "connect took {:.1} ms: the kernel did the handshake and queued us; the server has not called accept",
            connect_took.as_secs_f64() * 1e3
        ),
    );
    client2.send("hi")?;
    let sent_at = timeline.elapsed();
    hi_sent.send(())?;
    timeline.log("client-2", "waits for its echo...");
    client2.expect_echo("hi")?;
    let waited = timeline.elapsed() - sent_at;

    client1
        .join()
        .map_err(|_| anyhow::anyhow!("client-1 panicked"))??;
    drop(client2);
    server
        .join()
        .map_err(|_| anyhow::anyhow!("the server thread panicked"))??;
    timeline.log(
        "demo",
        format!(
            "client-2 waited {:.2} s for client-1 to leave: one thread, blocked in read, serves one client",
            waited.as_secs_f64()
        ),
    );
    Ok(())
}

/// A line client for the demo, written with `std::net`: the clients are
/// props, the server is the subject.
struct Client<'t> {
    name: &'static str,
    line: LineClient,
    timeline: &'t Timeline,
}

impl<'t> Client<'t> {
    fn connect(
        name: &'static str,
        addr: SocketAddr,
        timeline: &'t Timeline,
    ) -> anyhow::Result<Self> {
        let line = LineClient::connect(addr).with_context(|| format!("{name}: connect"))?;
        timeline.log(
            name,
            format!("connected from {}", line.stream().local_addr()?),
        );
        Ok(Client {
            name,
            line,
            timeline,
        })
    }

    fn send(&mut self, line: &str) -> anyhow::Result<()> {
        self.line.send(line)?;
        self.timeline.log(self.name, format!("sent {line:?}"));
        Ok(())
    }

    fn expect_echo(&mut self, line: &str) -> anyhow::Result<()> {
        let got = self
            .line
            .next_line()
            .map_err(|e| anyhow::anyhow!("{}: {e}", self.name))?;
        if got != line {
            bail!("{}: sent {line:?}, got {got:?} back", self.name);
        }
        self.timeline.log(self.name, format!("got {line:?} back"));
        Ok(())
    }
}

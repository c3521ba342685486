//! The chapter's demo: one thread, many clients, and the wall at fd 1,024
//! (chapter 04).
//!
//! The server runs on the demo's own thread, one `pass` at a time, and the
//! clients run on another. Three acts:
//!
//! 1. Three clients connect and talk, in an order no blocking server could
//!    follow. Each pass prints the fd sets rebuilt for `select` and the
//!    answer it wrote over them. A pass in which nobody speaks ends by the
//!    timeout.
//! 2. More clients connect, each says one line, until the server's next fd
//!    would be 1,024. That client is told "server full" and closed.
//! 3. client-1, connected since act 1, is still echoed.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use course::Timeline;
use course::testing::PATIENCE;
use ghetto_loop::sys::{Doorbell, FD_SETSIZE, Select, Socket, raise_fd_limit};

use crate::server::{self, EchoServer};
use crate::trace::FD_SETS;

/// The timeout of every pass: how long the server sleeps in `select` when
/// nobody speaks.
pub const TICK: Duration = Duration::from_millis(250);

/// The most clients act 2 connects before giving up on meeting the limit.
const MOST_CLIENTS: usize = 1_200;

/// What the client thread tells the server's thread.
enum News {
    /// Act 1 is over; the three clients stay connected.
    Talked(Vec<LineClient>),
    /// Act 2 is over: how many clients were served, and the refusal, if any.
    Filled {
        served: Vec<LineClient>,
        refusal: Option<String>,
    },
}

/// Runs the demo, logging every step on `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    let fd_limit = raise_fd_limit().context("cannot raise the open files limit")?;
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    let mut server = EchoServer::new(Select::new()?, listener)?;
    let log = timeline.clone();
    server.set_log(move |line| log.log("server", line));
    server.set_trace(Some(FD_SETS));
    timeline.log(
        "server",
        format!("listening on {addr}, one thread, select() with a {TICK:?} timeout"),
    );

    // Act 1: three clients talk, out of order.
    let (news, news_rx) = mpsc::channel();
    let (go, go_rx) = mpsc::channel();
    let clients = {
        let timeline = timeline.clone();
        let news = Tell {
            news,
            doorbell: server.doorbell(),
        };
        thread::spawn(move || clients(addr, fd_limit, &timeline, news, go_rx))
    };
    let mut talkers = match serve_until_news(&mut server, &news_rx)? {
        News::Talked(talkers) => talkers,
        News::Filled { .. } => bail!("the clients skipped act 1"),
    };
    timeline.log("demo", "all three stay connected and quiet:");
    // A wake-up from the client thread may still be pending; the quiet pass
    // is the first that sleeps its whole timeout.
    for _ in 0..3 {
        let started = Instant::now();
        server.pass(Some(TICK))?;
        if started.elapsed() >= TICK {
            break;
        }
    }
    server.set_trace(None);
    go.send(())?;

    // Act 2: fill the fd table. One line per client would be hundreds of
    // lines, so the server only reports refusals now.
    let log = timeline.clone();
    server.set_log(move |line| {
        if line.starts_with("refused") {
            log.log("server", line)
        }
    });
    let (served, refusal) = match serve_until_news(&mut server, &news_rx)? {
        News::Filled { served, refusal } => (served, refusal),
        News::Talked(_) => bail!("the clients repeated act 1"),
    };
    clients
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))??;

    // Act 3: the first client, connected all along, is still served.
    let log = timeline.clone();
    server.set_log(move |line| log.log("server", line));
    let mut client1 = talkers.remove(0);
    let doorbell = server.doorbell();
    let again = thread::spawn(move || -> anyhow::Result<LineClient> {
        client1.round_trip("still there?")?;
        // Done: wake the server rather than let it sleep out its timeout.
        doorbell.ring()?;
        Ok(client1)
    });
    while !again.is_finished() {
        server.pass(Some(TICK))?;
    }
    let client1 = again
        .join()
        .map_err(|_| anyhow::anyhow!("client-1 panicked"))??;
    let connected = server.clients();
    drop((client1, talkers, served));

    let muted = |_: String| {};
    server.set_log(muted);
    // Let the server see everyone leave, so the demo ends with nothing open.
    for _ in 0..100 {
        if server.clients() == 0 {
            break;
        }
        server.pass(Some(TICK))?;
    }
    match refusal {
        Some(_) => timeline.log(
            "demo",
            format!(
                "one thread served {connected} clients at once; the next got an fd >= {FD_SETSIZE} and was refused with a reason, while client-1 went on being served"
            ),
        ),
        None => timeline.log(
            "demo",
            format!(
                "one thread served {connected} clients at once; the open files limit ({fd_limit}) stopped us before fd {FD_SETSIZE}, so select's own limit never came up"
            ),
        ),
    }
    Ok(())
}

/// The client thread's way to give the server news: a channel, plus the
/// selector's doorbell, so that a server asleep in `select` hears it at once.
struct Tell {
    news: mpsc::Sender<News>,
    doorbell: Doorbell,
}

impl Tell {
    fn send(&self, news: News) -> anyhow::Result<()> {
        self.news
            .send(news)
            .map_err(|_| anyhow::anyhow!("the server's thread is gone"))?;
        Ok(self.doorbell.ring()?)
    }
}

/// Runs server passes until the client thread has news.
fn serve_until_news(
    server: &mut EchoServer<Select>,
    news: &mpsc::Receiver<News>,
) -> anyhow::Result<News> {
    loop {
        server.pass(Some(TICK))?;
        match news.try_recv() {
            Ok(news) => return Ok(news),
            Err(mpsc::TryRecvError::Empty) => continue,
            Err(mpsc::TryRecvError::Disconnected) => bail!("the client thread died"),
        }
    }
}

/// The client side of acts 1 and 2, on its own thread.
fn clients(
    addr: SocketAddr,
    fd_limit: u64,
    timeline: &Timeline,
    news: Tell,
    go: mpsc::Receiver<()>,
) -> anyhow::Result<()> {
    // Act 1: connect three, then talk in an order a blocking server could
    // not follow: the last to arrive speaks first.
    let mut c1 = LineClient::connect("client-1", addr, timeline)?;
    c1.round_trip("hello")?;
    let mut c2 = LineClient::connect("client-2", addr, timeline)?;
    let mut c3 = LineClient::connect("client-3", addr, timeline)?;
    c3.round_trip("three, first")?;
    c2.round_trip("two, second")?;
    c1.round_trip("one, last")?;
    news.send(News::Talked(vec![c1, c2, c3]))?;
    go.recv_timeout(PATIENCE)
        .context("the server never started act 2")?;

    // Act 2: connect until refused.
    if fd_limit <= FD_SETSIZE as u64 + 16 {
        timeline.log(
            "clients",
            format!(
                "the open files limit is {fd_limit}: too low to reach fd {FD_SETSIZE}, so no more clients"
            ),
        );
        news.send(News::Filled {
            served: Vec::new(),
            refusal: None,
        })?;
        return Ok(());
    }
    timeline.log(
        "clients",
        format!(
            "connecting more clients, one line each, until the server's fds reach {FD_SETSIZE}"
        ),
    );
    timeline.log(
        "clients",
        "(they live in this process too, so they use fds as well: the wall comes after about 500)",
    );
    let mut served = Vec::new();
    let mut refusal = None;
    for n in 4..=MOST_CLIENTS {
        let name = format!("client-{n}");
        let mut client = LineClient::connect_quietly(&name, addr)?;
        let reply = client.ask(&format!("hi from {name}"))?;
        if reply.starts_with("server full") {
            // Logged as "clients", and the client by number: which one
            // meets the wall varies with the fds the process already
            // holds, and a name should not.
            timeline.log(
                "clients",
                format!("client number {n} got {reply:?}, then the end of the connection"),
            );
            refusal = Some(reply);
            break;
        }
        served.push(client);
    }
    timeline.log(
        "clients",
        format!("clients 4 to {} were each echoed", served.len() + 3),
    );
    news.send(News::Filled { served, refusal })?;
    Ok(())
}

/// A named client for the demo: course's line client, whose steps are
/// logged on the timeline under its name. One fd each: the demo needs
/// hundreds.
#[derive(Debug)]
struct LineClient {
    name: String,
    line: course::line_client::LineClient,
    timeline: Option<Timeline>,
}

impl LineClient {
    fn connect(name: &str, addr: SocketAddr, timeline: &Timeline) -> anyhow::Result<LineClient> {
        let mut client = LineClient::connect_quietly(name, addr)?;
        let local = client.line.stream().local_addr()?;
        timeline.log(name, format!("connected from {local}"));
        client.timeline = Some(timeline.clone());
        Ok(client)
    }

    fn connect_quietly(name: &str, addr: SocketAddr) -> anyhow::Result<LineClient> {
        let line = course::line_client::LineClient::connect(addr)
            .with_context(|| format!("{name}: connect"))?;
        Ok(LineClient {
            name: name.to_owned(),
            line,
            timeline: None,
        })
    }

    /// Sends `line` and returns the line that comes back.
    fn ask(&mut self, line: &str) -> anyhow::Result<String> {
        self.line
            .ask(line)
            .map_err(|e| anyhow::anyhow!("{}: {e}", self.name))
    }

    /// Sends `line`, expects it back, and logs both.
    fn round_trip(&mut self, line: &str) -> anyhow::Result<()> {
        let log = |what: String| {
            if let Some(timeline) = &self.timeline {
                timeline.log(&self.name, what);
            }
        };
        log(format!("sends {line:?}"));
        let reply = self.ask(line)?;
        if reply != line {
            bail!("{}: sent {line:?}, got {reply:?}", self.name);
        }
        if let Some(timeline) = &self.timeline {
            timeline.log(&self.name, format!("got {reply:?} back"));
        }
        Ok(())
    }
}

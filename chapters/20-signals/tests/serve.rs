//! End to end: the chapter's own binary runs `serve` as a child process,
//! clients connect in every state, and a real SIGTERM (or SIGINT, as
//! Ctrl-C sends) comes from outside, by `kill`. The child must exit with
//! status 0, every client must be told goodbye, every reply the server
//! acknowledged must reach the client that asked for it, and no client may
//! get an answer it did not ask for.
//!
//! The signal goes to the child, never to this test process, whose other
//! tests run on other threads.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ch20_signals::server::GOODBYE;
use course::testing::PATIENCE;

/// The child process running `serve`, and what it has said on stderr.
struct Server {
    child: Child,
    addr: SocketAddr,
    said: mpsc::Receiver<String>,
    /// Every stderr line received so far.
    heard: Vec<String>,
}

impl Server {
    /// Starts `serve 127.0.0.1:0` with requests of `work_ms` and learns its
    /// address from the line it announces on stdout.
    fn start(work_ms: u64) -> io::Result<Server> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ch20-signals"))
            .args(["serve", "127.0.0.1:0", "--work", &work_ms.to_string()])
            .args(["--grace", "10000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut first)?;
        let addr = first
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| io::Error::other(format!("no address in {first:?}")))?;
        let said = lines_of(child.stderr.take().expect("piped"));
        Ok(Server {
            child,
            addr,
            said,
            heard: Vec::new(),
        })
    }

    /// Waits until `count` stderr lines contain `what`.
    fn wait_for(&mut self, what: &str, count: usize) {
        let deadline = Instant::now() + PATIENCE;
        while self.heard.iter().filter(|l| l.contains(what)).count() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.said.recv_timeout(left) {
                Ok(line) => self.heard.push(line),
                Err(_) => panic!("no {count} lines with {what:?} in {:#?}", self.heard),
            }
        }
    }

    /// Sends `signal` (`TERM`, `INT`) with kill(1).
    fn signal(&self, signal: &str) -> io::Result<()> {
        let status = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()?;
        assert!(status.success(), "kill -s {signal}: {status}");
        Ok(())
    }

    /// Waits for the child to exit, and for the rest of its stderr.
    fn exit(&mut self) -> io::Result<ExitStatus> {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait()? {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "still running: {:#?}",
                self.heard
            );
            thread::sleep(Duration::from_millis(5));
        };
        // Its stderr closed with it: this ends.
        self.heard.extend(self.said.iter());
        Ok(status)
    }

    /// The number before `word` in the summary line: "4 acknowledged".
    fn summary(&self, word: &str) -> u64 {
        let line = self
            .heard
            .iter()
            .find(|l| l.starts_with("shutdown on "))
            .unwrap_or_else(|| panic!("no summary in {:#?}", self.heard));
        let before = &line[..line.find(&format!(" {word}")).expect(word)];
        before.rsplit(' ').next().unwrap().parse().unwrap()
    }
}

impl Drop for Server {
    /// A failing test does not leave its server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A thread that forwards `stderr` line by line.
fn lines_of(stderr: ChildStderr) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A blocking client that sent `sent`.
fn client(addr: SocketAddr, sent: &str) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    (&stream).write_all(sent.as_bytes())?;
    Ok(stream)
}

/// Reads one line (up to and without its newline).
fn line(stream: &TcpStream) -> io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0];
    while (&*stream).read(&mut byte)? == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Every line to the end of file; a reset is an error, not an end. The
/// stream is closed when this returns, as a client does.
fn rest(stream: TcpStream) -> io::Result<Vec<String>> {
    let mut all = String::new();
    (&stream).read_to_string(&mut all)?;
    Ok(all.lines().map(str::to_owned).collect())
}

#[test]
fn sigterm_with_clients_in_every_state_loses_nothing_acknowledged() -> io::Result<()> {
    let mut server = Server::start(500)?;
    let addr = server.addr;
    // Asked and answered before the signal.
    let answered: Vec<TcpStream> = (0..3)
        .map(|_| {
            let c = client(addr, "hello\n")?;
            assert_eq!(line(&c)?, "ok 1");
            Ok(c)
        })
        .collect::<io::Result<_>>()?;
    // Asked; being worked on when the signal comes (most likely: if this
    // test is slower than the work, the answer comes before the goodbye).
    let in_flight: Vec<TcpStream> = (0..2)
        .map(|_| client(addr, "work\n"))
        .collect::<io::Result<_>>()?;
    // Three at once: one in progress, two read and waiting.
    let pipelined = client(addr, "a\nb\nc\n")?;
    // Half way through a line.
    let half: Vec<TcpStream> = (0..2)
        .map(|_| client(addr, "half a li"))
        .collect::<io::Result<_>>()?;
    // 3 answered, then 2 in flight and the first of the three.
    server.wait_for("working on it", 3 + 2 + 1);

    server.signal("TERM")?;
    server.wait_for("1. stopped accepting", 1);
    let late = TcpStream::connect(addr).map(drop);
    assert_eq!(
        late.unwrap_err().kind(),
        io::ErrorKind::ConnectionRefused,
        "a connection after the signal"
    );

    let mut received = 0;
    for c in answered {
        assert_eq!(rest(c)?, [GOODBYE], "the answer came before the signal");
        received += 1;
    }
    for c in in_flight {
        let mut heard = rest(c)?;
        heard.sort();
        assert_eq!(heard, [GOODBYE, "ok 1"]);
        received += 1;
    }
    let heard = rest(pipelined)?;
    let answers: Vec<&String> = heard.iter().filter(|l| *l != GOODBYE).collect();
    assert_eq!(answers, ["ok 1", "ok 2", "ok 3"], "{heard:?}");
    assert_eq!(heard.iter().filter(|l| *l == GOODBYE).count(), 1);
    received += 3;
    for c in half {
        assert_eq!(rest(c)?, [GOODBYE], "half a line is not a request");
    }

    let status = server.exit()?;
    assert!(status.success(), "{status}: {:#?}", server.heard);
    // What the server says it acknowledged is what the clients received.
    assert_eq!(server.summary("acknowledged"), received);
    assert_eq!(server.summary("delivered"), received);
    assert_eq!(server.summary("lost;"), 0);
    Ok(())
}

#[test]
fn ctrl_c_shuts_down_gracefully_too() -> io::Result<()> {
    let mut server = Server::start(300)?;
    let c = client(server.addr, "work\n")?;
    server.wait_for("working on it", 1);
    server.signal("INT")?;
    let mut heard = rest(c)?;
    heard.sort();
    assert_eq!(heard, [GOODBYE, "ok 1"]);
    let status = server.exit()?;
    assert!(status.success(), "{status}: {:#?}", server.heard);
    assert!(server.heard.iter().any(|l| l.contains("SIGINT came")));
    Ok(())
}

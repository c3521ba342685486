//! The chat server's promises: nicknames, notices and broadcast, and bad
//! input that gets a clear reply while nothing else breaks. Each test runs
//! the server on a loop of its own thread, and counts open fds before and
//! after.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch12_protocols::chat::{self, ChatConfig, ChatStats};
use course::line_client::LineClient;
use course::testing::{PATIENCE, open_fds, wait_until};
use ghetto_loop::event_loop::{EventLoop, LoopHandle, Remote};

/// A chat server on a loop in a thread of its own.
struct Server {
    addr: SocketAddr,
    remote: Remote,
    /// What the room logs (joins, leaves, "carol is not reading"...).
    log: mpsc::Receiver<String>,
    thread: thread::JoinHandle<io::Result<ChatStats>>,
}

impl Server {
    fn start(config: ChatConfig) -> Server {
        let (tx, rx) = mpsc::channel();
        let (log_tx, log) = mpsc::channel();
        let thread = thread::spawn(move || -> io::Result<ChatStats> {
            let lp = EventLoop::new()?;
            let chat = chat::start(&lp, "127.0.0.1:0".parse().unwrap(), config, move |line| {
                let _ = log_tx.send(line.to_owned());
            })?;
            tx.send((chat.local_addr(), lp.remote()))
                .expect("the test waits");
            lp.run_forever()?;
            Ok(chat.stats())
        });
        let (addr, remote) = rx.recv_timeout(PATIENCE).expect("the chat started");
        Server {
            addr,
            remote,
            log,
            thread,
        }
    }

    /// Waits until the room logs a line containing `what`.
    fn logged(&self, what: &str) -> String {
        loop {
            let line = self
                .log
                .recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("the room never logged {what:?}"));
            if line.contains(what) {
                return line;
            }
        }
    }

    /// How many fds have a reader on the server's loop, asked on the
    /// loop's own thread.
    fn readers(&self) -> io::Result<usize> {
        let (tx, rx) = mpsc::channel();
        self.remote.call_soon_threadsafe(move || {
            let _ = tx.send(LoopHandle::current().stats().readers);
        })?;
        Ok(rx.recv_timeout(PATIENCE).expect("the loop answered"))
    }

    fn stop(self) -> io::Result<ChatStats> {
        self.remote
            .call_soon_threadsafe(|| LoopHandle::current().stop())?;
        drop(self.remote);
        self.thread
            .join()
            .expect("the server thread does not panic")
    }
}

/// A line client with bounded waits.
struct Client {
    line: LineClient,
    /// Every line received so far.
    seen: Vec<String>,
}

impl Client {
    fn connect(server: &Server) -> io::Result<Client> {
        let mut client = Client {
            line: LineClient::connect(server.addr)?,
            seen: Vec::new(),
        };
        client.expect("* welcome")?;
        Ok(client)
    }

    /// Connects and takes the nickname `nick`.
    fn named(server: &Server, nick: &str) -> io::Result<Client> {
        let mut client = Client::connect(server)?;
        client.say(&format!("/nick {nick}"))?;
        client.expect(&format!("is now {nick}"))?;
        Ok(client)
    }

    fn say(&mut self, line: &str) -> io::Result<()> {
        self.line.send(line)
    }

    fn line(&mut self) -> io::Result<String> {
        let line = self.line.next_line()?;
        self.seen.push(line.clone());
        Ok(line)
    }

    /// Reads until a line contains `what`.
    fn expect(&mut self, what: &str) -> io::Result<String> {
        loop {
            let line = self.line()?;
            if line.contains(what) {
                return Ok(line);
            }
        }
    }

    fn saw(&self, what: &str) -> bool {
        self.seen.iter().any(|l| l.contains(what))
    }
}

/// Runs `body` against a fresh server and checks that, once the server and
/// every client are gone, no fd is left open.
fn with_server(
    config: ChatConfig,
    body: impl FnOnce(&Server) -> io::Result<()>,
) -> io::Result<ChatStats> {
    let before = open_fds();
    let server = Server::start(config);
    body(&server)?;
    let stats = server.stop()?;
    assert_eq!(open_fds(), before, "fds left open");
    Ok(stats)
}

#[test]
fn nicknames_notices_and_broadcast() -> io::Result<()> {
    course::testing::alone(|| {
        let stats = with_server(ChatConfig::default(), |server| {
            let mut alice = Client::named(server, "alice")?;
            let mut bob = Client::connect(server)?;
            alice.expect("joined")?;
            bob.say("/nick alice")?;
            bob.expect("! the nickname alice is taken")?;
            bob.say("/nick no spaces!")?;
            bob.expect("! a nickname is 1 to 16")?;
            bob.say("/nick bob")?;
            alice.expect("is now bob")?;
            alice.say("hello, bob")?;
            assert_eq!(bob.expect("<alice>")?, "<alice> hello, bob");
            bob.say("/who")?;
            assert_eq!(bob.expect("* here:")?, "* here: alice, bob (2)");
            bob.say("/dance")?;
            bob.expect("! unknown command /dance")?;
            bob.say("hi alice")?;
            alice.expect("<bob> hi alice")?;
            assert!(
                !alice.saw("<alice>"),
                "a member does not get its own lines back"
            );
            bob.say("/quit")?;
            bob.expect("* bye")?;
            alice.expect("* bob left")?;
            alice.say("/quit")?;
            alice.expect("* bye")?;
            server.logged("alice left");
            Ok(())
        })?;
        assert_eq!((stats.joined, stats.left, stats.said), (2, 2, 2));
        Ok(())
    })
}

#[test]
fn a_line_over_the_limit_is_refused_and_the_client_stays() -> io::Result<()> {
    course::testing::alone(|| {
        let stats = with_server(ChatConfig::default(), |server| {
            let mut alice = Client::named(server, "alice")?;
            let mut bob = Client::named(server, "bob")?;
            // 3000 bytes in three writes: the limit is passed in the middle of
            // the second, and the rest arrives after the error.
            for _ in 0..3 {
                alice.line.stream().write_all(&[b'x'; 1000])?;
                alice.line.stream().flush()?;
            }
            alice.line.stream().write_all(b"\n")?;
            let error = alice.expect("! ")?;
            assert_eq!(error, "! line too long (over 1024 bytes); it was not sent");
            alice.say(&"y".repeat(1024))?;
            bob.expect("<alice> yyy")?;
            alice.say("after the long one")?;
            bob.expect("<alice> after the long one")?;
            assert!(!bob.saw("xxx"), "no piece of the long line was sent");
            Ok(())
        })?;
        assert_eq!(stats.refused_lines, 1);
        Ok(())
    })
}

#[test]
fn invalid_utf8_gets_a_clear_reply() -> io::Result<()> {
    course::testing::alone(|| {
        with_server(ChatConfig::default(), |server| {
            let mut alice = Client::named(server, "alice")?;
            let mut bob = Client::named(server, "bob")?;
            alice.line.stream().write_all(b"caf\xe9\n\xff\xfe\n")?;
            assert_eq!(
                alice.expect("! ")?,
                "! that line is not valid UTF-8; it was not sent"
            );
            alice.expect("not valid UTF-8")?;
            alice.say("café, in UTF-8")?;
            assert_eq!(bob.expect("<alice>")?, "<alice> café, in UTF-8");
            Ok(())
        })
        .map(|stats| assert_eq!(stats.refused_lines, 2))
    })
}

/// alice floods the room in bursts small enough for a reading client, and
/// waits for bob to have each burst; carol reads nothing.
fn flood_until(
    alice: &mut Client,
    bob: Client,
    stop_at: &'static str,
) -> io::Result<(Client, usize)> {
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || -> io::Result<(Client, usize)> {
        let (mut bob, mut got) = (bob, 0);
        loop {
            let line = bob.line()?;
            if line.starts_with("<alice> flood") {
                got += 1;
                let _ = tx.send(got);
            } else if line.contains(stop_at) {
                return Ok((bob, got));
            }
        }
    });
    let filler = "~".repeat(980);
    let mut sent = 0;
    'flood: while sent < 100_000 {
        for _ in 0..32 {
            alice.say(&format!("flood {sent} {filler}"))?;
            sent += 1;
        }
        let mut got = 0;
        while got < sent {
            match rx.recv_timeout(PATIENCE) {
                Ok(n) => got = n,
                // bob's thread ended: it saw `stop_at`.
                Err(_) => break 'flood,
            }
        }
    }
    let (mut bob, mut got) = reader.join().expect("bob's reader does not panic")?;
    while got < sent {
        if bob.line()?.starts_with("<alice> flood") {
            got += 1;
        }
    }
    Ok((bob, sent))
}

#[test]
fn a_client_that_never_reads_is_cut_off_and_the_others_keep_chatting() -> io::Result<()> {
    course::testing::alone(|| {
        let config = ChatConfig {
            high_water: 16 * 1024,
            grace: Duration::from_millis(200),
            ..ChatConfig::default()
        };
        let stats = with_server(config, |server| {
            let mut alice = Client::named(server, "alice")?;
            let bob = Client::named(server, "bob")?;
            let mut carol = Client::named(server, "carol")?;
            let (mut bob, sent) = flood_until(&mut alice, bob, "carol was disconnected")?;
            assert!(sent > 0);
            alice.say("still chatting")?;
            bob.expect("<alice> still chatting")?;
            // carol's connection was aborted: reading it ends in EOF or a reset.
            let ended = loop {
                match carol.line() {
                    Ok(_) => continue,
                    Err(e) => break e.kind(),
                }
            };
            assert!(
                matches!(
                    ended,
                    io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
                ),
                "{ended:?}"
            );
            Ok(())
        })?;
        assert_eq!(stats.dropped_slow, 1);
        assert!(stats.skipped > 0);
        // The room stopped writing to carol at the mark: her buffer never grew
        // past it by more than one message.
        assert!(
            stats.largest_buffer <= config.high_water + 1100,
            "{} bytes buffered for one member",
            stats.largest_buffer
        );
        Ok(())
    })
}

#[test]
fn a_client_that_asks_and_never_reads_is_not_read_either() -> io::Result<()> {
    course::testing::alone(|| {
        let config = ChatConfig {
            high_water: 16 * 1024,
            grace: Duration::from_secs(60),
            ..ChatConfig::default()
        };
        let stats = with_server(config, |server| {
            let _alice = Client::named(server, "alice")?;
            let mallory = Client::named(server, "mallory")?;
            assert_eq!(server.readers()?, 3, "the listener, alice and mallory");
            // "/who" after "/who", and not one reply read: the replies pile up
            // until mallory's transport asks to pause writing.
            let mut stream = mallory.line.stream().try_clone()?;
            let asker = thread::spawn(move || {
                let requests = "/who\n".repeat(1 << 20);
                while stream.write_all(requests.as_bytes()).is_ok() {}
            });
            server.logged("mallory is not reading");
            // From then on the server does not read mallory's requests either,
            // so mallory cannot make it produce more replies. (Waited for:
            // under injected faults a first pause may come early and be
            // lifted, but a client that never reads fills its buffer for
            // good.)
            assert!(
                wait_until(PATIENCE, || server.readers().is_ok_and(|n| n == 2)),
                "mallory's reader was not removed"
            );
            mallory.line.stream().shutdown(std::net::Shutdown::Both)?;
            asker.join().expect("the asker does not panic");
            Ok(())
        })?;
        assert!(
            stats.largest_buffer <= config.high_water + 200,
            "{} bytes of replies buffered",
            stats.largest_buffer
        );
        Ok(())
    })
}

#[test]
fn a_slow_reader_that_catches_up_is_told_what_it_missed() -> io::Result<()> {
    course::testing::alone(|| {
        let config = ChatConfig {
            high_water: 16 * 1024,
            grace: Duration::from_secs(60),
            ..ChatConfig::default()
        };
        with_server(config, |server| {
            let mut alice = Client::named(server, "alice")?;
            let bob = Client::named(server, "bob")?;
            let mut carol = Client::named(server, "carol")?;
            let (tx, rx) = mpsc::channel();
            let flooder = thread::spawn(move || -> io::Result<Client> {
                // Flood (with bob reading) until the room says carol is paused.
                let (bob, _) = flood_until_signal(&mut alice, bob, &rx)?;
                drop(bob);
                Ok(alice)
            });
            server.logged("carol is not reading");
            tx.send(()).expect("the flooder listens");
            let mut alice = flooder.join().expect("the flooder does not panic")?;
            alice.say("one more, skipped for carol")?;
            let missed = carol.expect("! you missed")?;
            let n: u64 = missed
                .split_whitespace()
                .nth(3)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{missed:?}"));
            assert!(n >= 1, "{missed}");
            alice.say("welcome back")?;
            carol.expect("<alice> welcome back")?;
            Ok(())
        })
        .map(|stats| assert_eq!(stats.dropped_slow, 0))
    })
}

/// Like `flood_until`, but stops when `stop` receives.
fn flood_until_signal(
    alice: &mut Client,
    bob: Client,
    stop: &mpsc::Receiver<()>,
) -> io::Result<(Client, usize)> {
    let (tx, rx) = mpsc::channel();
    let reader = thread::spawn(move || -> io::Result<(Client, usize)> {
        let (mut bob, mut got) = (bob, 0);
        loop {
            let line = bob.line()?;
            if line.starts_with("<alice> flood") {
                got += 1;
                if tx.send(got).is_err() {
                    return Ok((bob, got));
                }
            }
        }
    });
    let filler = "~".repeat(980);
    let mut sent = 0;
    while stop.try_recv().is_err() && sent < 100_000 {
        for _ in 0..32 {
            alice.say(&format!("flood {sent} {filler}"))?;
            sent += 1;
        }
        let mut got = 0;
        while got < sent {
            got = rx.recv_timeout(PATIENCE).expect("bob keeps up");
        }
    }
    // bob read everything sent so far; let his reader end with the next line.
    drop(rx);
    alice.say("flood end")?;
    let result = reader.join().expect("bob's reader does not panic")?;
    Ok(result)
}

#[test]
fn a_client_that_vanishes_mid_line_is_announced_and_nothing_breaks() -> io::Result<()> {
    course::testing::alone(|| {
        with_server(ChatConfig::default(), |server| {
            let mut alice = Client::named(server, "alice")?;
            let mut bob = Client::named(server, "bob")?;
            // dave closes cleanly, half a line unsent.
            let dave = Client::named(server, "dave")?;
            alice.expect("is now dave")?;
            bob.expect("is now dave")?;
            dave.line.stream().write_all(b"half a li")?;
            drop(dave);
            assert_eq!(bob.expect("dave left")?, "* dave left");
            // erin vanishes with lines unread: the kernel resets the connection.
            let erin = Client::named(server, "erin")?;
            alice.expect("is now erin")?;
            bob.expect("is now erin")?;
            alice.say("erin, you will not read this")?;
            let mut one = [0u8; 1];
            erin.line.stream().peek(&mut one)?; // it has arrived, unread
            erin.line.stream().write_all(b"and neither half of thi")?;
            drop(erin);
            assert_eq!(
                bob.expect("erin left")?,
                "* erin left (the connection was reset)"
            );
            alice.say("still here?")?;
            bob.expect("<alice> still here?")?;
            assert!(!bob.saw("half a li") && !bob.saw("neither half"));
            Ok(())
        })
        .map(|stats| assert_eq!(stats.joined, 4))
    })
}

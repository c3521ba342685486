//! Chapter 03's claims: one thread serves many clients by polling
//! non-blocking sockets; `WouldBlock` is routine, not an error; a client that
//! does not read its echoes gets partial writes, every byte in the end, and
//! holds up nobody else.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use ch03_nonblocking::server::{CHUNK, Counter, Report, Server, Stopper};
use course::line_client::{LineClient, connect};
use course::testing::{PATIENCE, wait_until};

struct Running {
    addr: SocketAddr,
    counter: Counter,
    stopper: Stopper,
    thread: JoinHandle<io::Result<Report>>,
    log: mpsc::Receiver<String>,
}

fn start(interval: Duration) -> io::Result<Running> {
    let mut server = Server::bind(SocketAddr::from(([127, 0, 0, 1], 0)), interval)?;
    let (log_tx, log) = mpsc::channel();
    Ok(Running {
        addr: server.local_addr()?,
        counter: server.counter(),
        stopper: server.stopper(),
        thread: thread::spawn(move || {
            server.run(&|line| {
                let _ = log_tx.send(line);
            })
        }),
        log,
    })
}

impl Running {
    fn stop(self) -> (Report, Vec<String>) {
        self.stopper.stop();
        let report = self
            .thread
            .join()
            .expect("the server does not panic")
            .expect("the listener does not fail");
        (report, self.log.try_iter().collect())
    }
}

#[test]
fn one_thread_serves_fifty_clients_that_all_talk_before_listening() -> io::Result<()> {
    let server = start(Duration::from_millis(1))?;
    let mut clients = (0..50)
        .map(|_| LineClient::connect(server.addr))
        .collect::<io::Result<Vec<_>>>()?;
    for (i, c) in clients.iter_mut().enumerate() {
        c.send(&format!("client {i}"))?;
    }
    for (i, c) in clients.iter_mut().enumerate() {
        assert_eq!(c.next_line()?, format!("client {i}"));
    }
    // The count is stored at the end of a round, after its echoes went out:
    // see all 50 counted before they leave, or a count of 0 left over from
    // before they came would pass for "all gone".
    assert!(wait_until(PATIENCE, || server.counter.counts().connected == 50));
    drop(clients);
    assert!(
        wait_until(PATIENCE, || server.counter.counts().connected == 0),
        "the server dropped every client that left"
    );
    let (report, log) = server.stop();
    assert_eq!(report.counts.accepted, 50);
    assert_eq!(log.iter().filter(|l| l.contains(" left;")).count(), 50);
    assert!(!log.iter().any(|l| l.contains("failed")), "{log:?}");
    Ok(())
}

#[test]
fn would_block_is_the_everyday_answer_not_an_error() -> io::Result<()> {
    let server = start(Duration::ZERO)?;
    let mut quiet = LineClient::connect(server.addr)?;
    // A connected client that says nothing: every round asks it, every read
    // says WouldBlock, and it stays connected.
    assert!(wait_until(PATIENCE, || {
        server.counter.counts().reads_would_block >= 1000
    }));
    assert_eq!(server.counter.counts().connected, 1);
    assert_eq!(quiet.ask("finally")?, "finally");
    let (_, log) = server.stop();
    assert!(!log.iter().any(|l| l.contains("failed")), "{log:?}");
    Ok(())
}

#[test]
fn a_client_that_does_not_read_gets_every_byte_and_holds_up_nobody() -> io::Result<()> {
    let server = start(Duration::from_millis(1))?;
    // 32 MiB without reading a byte back: more than the kernel's buffers on
    // both sides hold, so the server's writes to it come up short and then
    // say WouldBlock.
    let data: Vec<u8> = (0..32u32 << 20).map(|i| (i % 251) as u8).collect();
    let hog = connect(server.addr)?;
    let mut writer = hog.try_clone()?;
    let sent = data.clone();
    let writing = thread::spawn(move || -> io::Result<()> {
        writer.write_all(&sent)?;
        writer.shutdown(Shutdown::Write)
    });
    assert!(
        wait_until(PATIENCE, || server.counter.counts().writes_would_block > 0),
        "the server's writes to the hog never blocked: {:?}",
        server.counter.counts()
    );

    // While the hog's echo is stuck, another client is served at once.
    let mut other = LineClient::connect(server.addr)?;
    assert_eq!(other.ask("me too")?, "me too");

    // Now the hog reads, and gets back every byte, in order.
    let mut back = Vec::with_capacity(data.len());
    (&hog).read_to_end(&mut back)?;
    writing.join().expect("the writer does not panic")?;
    assert_eq!(back.len(), data.len());
    assert!(back == data, "the echo differs from what was sent");
    let (report, _) = server.stop();
    assert!(report.counts.writes_would_block > 0);
    // Backpressure: while it owed the hog bytes, the server read no more
    // from it, so it never held more than one read's worth.
    assert!(
        report.counts.most_unsent <= CHUNK as u64,
        "the server held {} bytes for one client",
        report.counts.most_unsent
    );
    Ok(())
}

#[test]
fn a_client_that_resets_is_dropped_and_logged_while_others_go_on() -> io::Result<()> {
    let server = start(Duration::from_millis(1))?;
    let mut rude = connect(server.addr)?;
    rude.write_all(b"bye\n")?;
    let mut peek = [0u8; 4];
    assert!(
        rude.peek(&mut peek)? > 0,
        "the echo arrived and sits unread"
    );
    // Closing with unread data makes the kernel reset the connection.
    drop(rude);
    assert!(wait_until(PATIENCE, || server.counter.counts().connected == 0));
    let mut next = LineClient::connect(server.addr)?;
    assert_eq!(next.ask("next")?, "next");
    let (_, log) = server.stop();
    assert!(
        log.iter()
            .any(|l| l.contains("failed") && l.contains("reset")),
        "{log:?}"
    );
    Ok(())
}

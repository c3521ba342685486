//! Chapter 01's claim: a server whose one thread blocks in `read` serves one
//! client at a time; the next one connects, but waits for its echo until the
//! first leaves. A thread-per-client server (chapter 02) fails these tests.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch01_blocking::{demo, server};
use course::Timeline;
use course::line_client::LineClient;
use course::testing::PATIENCE;
use ghetto_loop::sys::Socket;

#[test]
fn the_demo_shows_client_2_waiting_until_client_1_leaves() {
    let timeline = Timeline::quiet();
    demo::run(&timeline).expect("the demo runs");

    let c2_connected = timeline.position("client-2", "connected");
    let c2_sent = timeline.position("client-2", "sent \"hi\"");
    let c1_leaves = timeline.position("client-1", "leaves");
    let c2_echoed = timeline.position("client-2", "got \"hi\" back");
    assert!(
        c2_connected < c1_leaves && c2_sent < c1_leaves,
        "client-2 connects and sends while client-1 is still connected"
    );
    assert!(
        c2_echoed > c1_leaves,
        "client-2's echo must come only after client-1 left"
    );

    // The server accepted client-2 only after client-1 was gone.
    let events = timeline.events();
    let accepts: Vec<usize> = (0..events.len())
        .filter(|&i| events[i].who == "server" && events[i].what.starts_with("accepted"))
        .collect();
    assert_eq!(accepts.len(), 2, "two clients accepted");
    let c1_gone = timeline.position("server", "left");
    assert!(
        accepts[1] > c1_gone,
        "accept of client-2 after client-1 left"
    );

    // Client-1 stayed IDLE after client-2 sent, so client-2 waited at least
    // that long (a lower bound that holds however slow the machine is).
    let at = |who: &str, what: &str| timeline.find(who, what).expect("logged").at;
    let waited = at("client-2", "got \"hi\" back") - at("client-2", "sent \"hi\"");
    assert!(waited >= demo::IDLE, "client-2 waited only {waited:?}");
    assert!(timeline.whats().last().unwrap().contains("client-2 waited"));
}

#[test]
fn while_one_client_is_connected_the_next_gets_no_echo() -> io::Result<()> {
    let addr = start_server()?;
    let mut c1 = LineClient::connect(addr)?;
    assert_eq!(c1.ask("one")?, "one");

    // The kernel completes client-2's handshake although nobody accepts it.
    let mut c2 = LineClient::connect(addr)?;
    c2.send("two")?;
    // Nothing may come back while client-1 holds the server. (A threaded
    // server answers in microseconds; this one never does, so the wait
    // cannot be too short for a correct server.)
    c2.stream()
        .set_read_timeout(Some(Duration::from_millis(300)))?;
    let err = c2
        .read_line()
        .expect_err("client-2 got an echo while client-1 was still connected");
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{err}"
    );

    // Client-1 leaves; now client-2 is served.
    drop(c1);
    c2.stream().set_read_timeout(Some(PATIENCE))?;
    assert_eq!(c2.next_line()?, "two");
    Ok(())
}

#[test]
fn a_client_that_resets_the_connection_is_dropped_and_the_next_is_served() -> io::Result<()> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    let (log_tx, log_rx) = mpsc::channel::<String>();
    thread::spawn(move || {
        let log = move |line: String| {
            let _ = log_tx.send(line);
        };
        server::serve_forever(&listener, &log)
    });

    // Closing a socket with unread data in it makes the kernel send a reset
    // (RST) instead of a polite end-of-file: the server's `read` fails.
    let mut rude = TcpStream::connect(addr)?;
    rude.set_read_timeout(Some(PATIENCE))?;
    rude.write_all(b"bye\n")?;
    let mut peeked = [0u8; 4];
    let n = rude.peek(&mut peeked)?;
    assert!(n > 0, "the echo arrived and sits unread");
    drop(rude);

    let failed = wait_for_log(&log_rx, "failed");
    assert!(failed.contains("reset"), "{failed}");

    let mut next = LineClient::connect(addr)?;
    assert_eq!(next.ask("still there?")?, "still there?");
    Ok(())
}

#[test]
fn a_large_stream_comes_back_whole_and_in_order() -> io::Result<()> {
    // 8 MiB through one connection: far more than the socket buffers hold,
    // so the server's writes wait for the client to read, while the client
    // is still writing.
    let addr = start_server()?;
    let data: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
    let mut client = TcpStream::connect(addr)?;
    client.set_read_timeout(Some(PATIENCE))?;
    let mut writer = client.try_clone()?;
    let sent = data.clone();
    let writer = thread::spawn(move || -> io::Result<()> {
        writer.write_all(&sent)?;
        writer.shutdown(std::net::Shutdown::Write)
    });
    let mut back = Vec::with_capacity(data.len());
    client.read_to_end(&mut back)?;
    writer.join().expect("the writer does not panic")?;
    assert!(back == data, "the echo differs from what was sent");
    Ok(())
}

fn start_server() -> io::Result<SocketAddr> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    thread::spawn(move || server::serve_forever(&listener, &|_| {}));
    Ok(addr)
}

fn wait_for_log(log: &mpsc::Receiver<String>, what: &str) -> String {
    loop {
        match log.recv_timeout(PATIENCE) {
            Ok(line) if line.contains(what) => return line,
            Ok(_) => continue,
            Err(e) => panic!("the server never logged {what:?}: {e}"),
        }
    }
}

//! The specification of exercise 06-1: with `drain`, an edge-triggered echo
//! loop loses nothing; without draining, it would stall with data unread.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use course::testing::PATIENCE;
use ex06_1_drain_on_an_edge::{Drained, drain};
use ghetto_loop::sys::{Epoll, Interest, Selector, Socket, Token};

/// An edge-triggered loop for one connection: on each event, `drain`, then
/// write everything back. Returns what it received, once the peer is done.
/// Gives up (with an error) if no event comes for 500 ms while the peer
/// still has data in flight: that is the stall of an undrained edge.
fn edge_echo(listener: Socket) -> io::Result<Vec<u8>> {
    let (conn, _) = listener.accept()?;
    conn.set_nonblocking(true)?;
    let mut epoll = Epoll::edge_triggered()?;
    epoll.register(conn.as_fd(), Token(1), Interest::READABLE)?;
    let mut received = Vec::new();
    let mut events = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    loop {
        epoll.wait(&mut events, Some(Duration::from_millis(500)))?;
        if events.is_empty() {
            epoll.deregister(conn.as_fd())?;
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "no event for 500 ms after {} bytes: data left unread on an edge?",
                    received.len()
                ),
            ));
        }
        let start = received.len();
        let state = drain(&conn, &mut received)?;
        // The echo goes back with a blocking write: the test is about reading.
        conn.set_nonblocking(false)?;
        (&conn).write_all(&received[start..])?;
        conn.set_nonblocking(true)?;
        if state == Drained::Closed || Instant::now() > deadline {
            epoll.deregister(conn.as_fd())?;
            conn.shutdown(ghetto_loop::sys::Shutdown::Write)?;
            return Ok(received);
        }
    }
}

/// Starts `edge_echo` on a thread; returns a connected client and the result.
fn start() -> io::Result<(TcpStream, mpsc::Receiver<io::Result<Vec<u8>>>)> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 4)?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    client.set_read_timeout(Some(PATIENCE))?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(edge_echo(listener));
    });
    Ok((client, rx))
}

/// Sends `data` in one go, half-closes, and returns what came back.
fn send_all_and_collect(data: &[u8]) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let (mut client, result) = start()?;
    let mut writer = client.try_clone()?;
    let data = data.to_vec();
    let sender = thread::spawn(move || -> io::Result<()> {
        writer.write_all(&data)?;
        writer.shutdown(Shutdown::Write)
    });
    let mut back = Vec::new();
    client.read_to_end(&mut back)?;
    sender.join().expect("no panic")?;
    let received = result
        .recv_timeout(PATIENCE)
        .expect("the echo loop ended (or panicked) in time")?;
    Ok((received, back))
}

#[test]
fn a_big_message_in_one_go_is_read_whole_on_one_edge() -> io::Result<()> {
    course::testing::panics_first(|| {
        let data: Vec<u8> = (0..256 * 1024u32).map(|i| (i % 253) as u8).collect();
        let (received, back) = send_all_and_collect(&data)?;
        assert!(
            received == data,
            "the loop received {} of {} bytes",
            received.len(),
            data.len()
        );
        assert!(back == data, "the echo differs");
        Ok(())
    })
}

#[test]
fn a_burst_of_lines_loses_none() -> io::Result<()> {
    course::testing::panics_first(|| {
        let data: Vec<u8> = (0..2_000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let (received, back) = send_all_and_collect(&data)?;
        assert_eq!(received.len(), data.len());
        assert!(back == data);
        Ok(())
    })
}

#[test]
fn data_then_end_of_file_in_one_edge_keeps_the_data() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (received, back) = send_all_and_collect(b"last words")?;
        assert_eq!(received, b"last words");
        assert_eq!(back, b"last words");
        Ok(())
    })
}

#[test]
fn an_empty_socket_is_open_not_an_error() -> io::Result<()> {
    course::testing::panics_first(|| {
        let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 4)?;
        let _client = TcpStream::connect(listener.local_addr()?)?;
        let (conn, _) = listener.accept()?;
        conn.set_nonblocking(true)?;
        let mut into = Vec::new();
        assert_eq!(drain(&conn, &mut into)?, Drained::Open);
        assert!(into.is_empty());
        Ok(())
    })
}

//! The specification of exercise 03-1: `poll` never waits, treats
//! `WouldBlock` as "not now", keeps what a short write left, reads nothing
//! while it owes something, and reports the end and the errors.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use course::testing::PATIENCE;
use ex03_1_poll_echo::{CHUNK, Echo, Progress};
use ghetto_loop::sys::Socket;

/// A connected client and the server's `Echo` for it.
fn pair() -> io::Result<(TcpStream, Echo)> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 8)?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    client.set_read_timeout(Some(PATIENCE))?;
    let (conn, _) = listener.accept()?;
    Ok((client, Echo::new(conn)?))
}

/// What the driving loop saw.
#[derive(Debug, Default)]
struct Seen {
    /// The most bytes ever owed at once.
    max_unsent: usize,
    /// How the loop ended: `Closed`, or the error `poll` returned.
    end: Option<io::Result<Progress>>,
}

/// Calls `poll` in a loop, on a thread, until `Closed`, an error, or the
/// deadline. Sends one message on `stalled` the first time `poll` is idle
/// while it owes bytes (its write said WouldBlock).
fn drive(mut echo: Echo, stalled: mpsc::Sender<()>) -> thread::JoinHandle<Seen> {
    thread::spawn(move || {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = Seen::default();
        let mut told = false;
        while Instant::now() < deadline {
            let step = echo.poll();
            seen.max_unsent = seen.max_unsent.max(echo.unsent());
            match step {
                Ok(Progress::Idle) if echo.unsent() > 0 && !told => {
                    let _ = stalled.send(());
                    told = true;
                }
                Ok(Progress::Worked | Progress::Idle) => {}
                end => {
                    seen.end = Some(end);
                    break;
                }
            }
            // Poll often, but let the other threads run.
            thread::yield_now();
        }
        seen
    })
}

#[test]
fn with_nothing_to_read_poll_returns_idle_at_once() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (_client, mut echo) = pair()?;
        let (done, result) = mpsc::channel();
        thread::spawn(move || {
            let _ = done.send(echo.poll().map_err(|e| e.kind()));
        });
        let got = result
            .recv_timeout(Duration::from_secs(5))
            .expect("poll returned instead of waiting for data");
        assert_eq!(got, Ok(Progress::Idle));
        Ok(())
    })
}

#[test]
fn a_line_comes_back_and_the_end_is_reported() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (mut client, echo) = pair()?;
        let (stalled, _) = mpsc::channel();
        let driver = drive(echo, stalled);
        client.write_all(b"hello, poller\n")?;
        client.shutdown(Shutdown::Write)?;
        let mut back = Vec::new();
        client.read_to_end(&mut back)?;
        assert_eq!(back, b"hello, poller\n");
        let seen = driver.join().expect("poll does not panic");
        assert!(
            matches!(seen.end, Some(Ok(Progress::Closed))),
            "{:?}",
            seen.end
        );
        Ok(())
    })
}

#[test]
fn a_client_that_does_not_read_gets_every_byte_and_poll_holds_one_chunk_at_most() -> io::Result<()>
{
    course::testing::panics_first(|| {
        let (client, echo) = pair()?;
        let (stalled_tx, stalled) = mpsc::channel();
        let driver = drive(echo, stalled_tx);
        // 32 MiB before reading a byte: more than the kernel's buffers hold, so
        // `poll`'s writes come up short, then say WouldBlock. Sent in pieces of
        // an odd size, so that `poll` reads and writes odd amounts too. Sent
        // at once, 1 run in 15 had no short write at all: most likely because
        // the kernel checks for room when it starts a new buffer of up to
        // 64 KiB, so 4 KiB writes that line up with those are taken whole or
        // refused. With odd pieces, 70 runs in 70 had one.
        let data: Vec<u8> = (0..32u32 << 20).map(|i| (i % 251) as u8).collect();
        let mut writer = client.try_clone()?;
        let sent = data.clone();
        let writing = thread::spawn(move || -> io::Result<()> {
            for piece in sent.chunks(3001) {
                writer.write_all(piece)?;
            }
            writer.shutdown(Shutdown::Write)
        });
        stalled
            .recv_timeout(PATIENCE)
            .expect("poll went idle with bytes owed: its write said WouldBlock");

        let mut back = Vec::with_capacity(data.len());
        (&client).read_to_end(&mut back)?;
        writing.join().expect("the writer does not panic")?;
        assert_eq!(back.len(), data.len());
        assert!(back == data, "the echo differs from what was sent");
        let seen = driver.join().expect("poll does not panic");
        assert!(matches!(seen.end, Some(Ok(Progress::Closed))));
        assert!(
            seen.max_unsent <= CHUNK,
            "poll held {} bytes: it read more while it still owed some",
            seen.max_unsent
        );
        Ok(())
    })
}

#[test]
fn a_reset_connection_is_an_error() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (mut client, echo) = pair()?;
        let (stalled, _) = mpsc::channel();
        let driver = drive(echo, stalled);
        client.write_all(b"bye\n")?;
        let mut peek = [0u8; 4];
        assert!(
            client.peek(&mut peek)? > 0,
            "the echo arrived and sits unread"
        );
        // Closing with unread data makes the kernel reset the connection.
        drop(client);
        let seen = driver.join().expect("poll does not panic");
        match seen.end {
            Some(Err(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}"),
            other => panic!("expected the reset as an error, got {other:?}"),
        }
        Ok(())
    })
}

//! The specification of exercise 01-1: `echo` sends every byte back, even
//! when `write` takes only part of it, stops at end-of-file, and returns
//! errors instead of panicking.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use course::testing::PATIENCE;
use ex01_1_echo_once::echo;
use ghetto_loop::sys::{SIGUSR1, SelfPipe, Socket};
use nix::sys::pthread::pthread_kill;
use nix::sys::signal::Signal;
use nix::sys::socket::{setsockopt, sockopt};

/// Connects a client and runs `echo` on the server's side of it, in a thread.
fn connect() -> io::Result<(TcpStream, JoinHandle<io::Result<u64>>)> {
    connect_with(|_| Ok(()))
}

/// [`connect`], with `tune` applied to the server's side first.
fn connect_with(
    tune: impl FnOnce(&Socket) -> io::Result<()>,
) -> io::Result<(TcpStream, JoinHandle<io::Result<u64>>)> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 8)?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    // Every read in these tests is bounded, so a broken `echo` fails them
    // instead of hanging them.
    client.set_read_timeout(Some(PATIENCE))?;
    let (conn, _) = listener.accept()?;
    tune(&conn)?;
    Ok((client, thread::spawn(move || echo(&conn))))
}

/// Writes `data` on the client's socket from a thread of its own, then ends
/// the client's side. The test reads the echo meanwhile: neither side's
/// buffers hold megabytes, so both directions must flow at once.
fn send_then_hang_up(client: &TcpStream, data: &[u8]) -> io::Result<JoinHandle<io::Result<()>>> {
    let mut writer = client.try_clone()?;
    let sent = data.to_vec();
    Ok(thread::spawn(move || {
        writer.write_all(&sent)?;
        writer.shutdown(Shutdown::Write)
    }))
}

/// What `echo` returned, once the client has hung up. Bounded: an `echo`
/// that does not stop at end-of-file fails the test instead of hanging it.
fn finish(server: JoinHandle<io::Result<u64>>) -> io::Result<u64> {
    assert!(
        course::testing::wait_until(PATIENCE, || server.is_finished()),
        "echo had not returned {PATIENCE:?} after the client hung up: does it stop when read returns Ok(0)?"
    );
    server.join().expect("echo panicked")
}

#[test]
fn echoes_a_line_and_counts_its_bytes() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (mut client, server) = connect()?;
        client.write_all(b"hello\n")?;
        let mut back = [0u8; 6];
        client.read_exact(&mut back)?;
        assert_eq!(&back, b"hello\n");
        client.shutdown(Shutdown::Write)?;
        assert_eq!(finish(server)?, 6);
        Ok(())
    })
}

#[test]
fn a_client_that_says_nothing_gets_nothing_and_echo_returns_0() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (mut client, server) = connect()?;
        client.shutdown(Shutdown::Write)?;
        let mut back = Vec::new();
        client.read_to_end(&mut back)?;
        assert!(back.is_empty());
        assert_eq!(finish(server)?, 0);
        Ok(())
    })
}

#[test]
fn four_mebibytes_come_back_whole_and_in_order() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (client, server) = connect()?;
        let data: Vec<u8> = (0..4u32 << 20).map(|i| (i % 253) as u8).collect();
        let writer = send_then_hang_up(&client, &data)?;
        let mut back = Vec::with_capacity(data.len());
        (&client).read_to_end(&mut back)?;
        writer.join().expect("the writer does not panic")?;
        assert_eq!(back.len(), data.len());
        assert!(back == data, "the bytes came back changed or out of order");
        assert_eq!(finish(server)?, data.len() as u64);
        Ok(())
    })
}

#[test]
fn a_reset_connection_is_an_error_not_a_panic() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (mut client, server) = connect()?;
        client.write_all(b"bye\n")?;
        // Wait until the echo is here, unread: closing a socket with unread data
        // makes the kernel reset the connection instead of ending it politely.
        let mut peek = [0u8; 4];
        assert!(client.peek(&mut peek)? > 0, "the echo arrived");
        drop(client);
        let result = finish(server);
        let err = result.expect_err("a reset connection is an error");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
        Ok(())
    })
}

#[test]
fn short_writes_lose_no_byte() -> io::Result<()> {
    course::testing::panics_first(|| {
        // A blocked `write` that a signal interrupts after taking part of
        // its buffer returns that part's length: a short write. The handler
        // (SA_RESTART, so that nothing else sees EINTR) only counts.
        let _handler = SelfPipe::install(SIGUSR1)?;
        let (client, server) = connect_with(|conn| {
            // A send buffer smaller than the server's writes: a write
            // that waits for room has taken part of its buffer already.
            setsockopt(conn, sockopt::SndBuf, &4096).map_err(io::Error::from)
        })?;
        let data: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
        let writer = send_then_hang_up(&client, &data)?;
        let stop = &AtomicBool::new(false);
        let back = thread::scope(|scope| -> io::Result<Vec<u8>> {
            // Signals at the server's thread all along, while its writes
            // wait for room.
            let target = server.as_pthread_t();
            scope.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    // The server may have ended already: then there is no
                    // thread left to tell, which is fine.
                    let _ = pthread_kill(target, Signal::SIGUSR1);
                    // Pacing, not synchronisation.
                    thread::sleep(Duration::from_micros(200));
                }
            });
            // A slow reader, so that the server's writes wait for room.
            let mut back = Vec::with_capacity(data.len());
            let mut chunk = [0u8; 4096];
            let read = loop {
                match (&client).read(&mut chunk) {
                    Ok(0) => break Ok(back),
                    Ok(n) => back.extend_from_slice(&chunk[..n]),
                    Err(e) => break Err(e),
                }
                thread::sleep(Duration::from_micros(100));
            };
            stop.store(true, Ordering::SeqCst);
            read
        })?;
        writer.join().expect("the writer does not panic")?;
        assert_eq!(
            back.len(),
            data.len(),
            "bytes lost (or added) on the way back"
        );
        assert!(back == data, "the bytes came back changed or out of order");
        assert_eq!(finish(server)?, data.len() as u64);
        Ok(())
    })
}

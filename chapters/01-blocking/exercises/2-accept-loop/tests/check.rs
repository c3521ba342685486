//! The specification of exercise 01-2: `serve` takes clients one after
//! another, survives a bad one, and closes every connection.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use course::testing::PATIENCE;
use ex01_2_accept_loop::serve;
use ghetto_loop::sys::Socket;

type Outcomes = io::Result<Vec<io::Result<u64>>>;

/// Runs `serve(listener, clients)` in a thread; returns where it listens.
fn start(clients: usize) -> io::Result<(SocketAddr, JoinHandle<Outcomes>)> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 16)?;
    let addr = listener.local_addr()?;
    Ok((addr, thread::spawn(move || serve(&listener, clients))))
}

/// A connected client whose every read is bounded, so a broken `serve`
/// fails the test instead of hanging it.
fn client(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    Ok(stream)
}

/// Sends `text`, says "that was all", and returns what came back.
fn talk(addr: SocketAddr, text: &str) -> io::Result<String> {
    let mut stream = client(addr)?;
    stream.write_all(text.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    let mut back = String::new();
    stream.read_to_string(&mut back)?;
    Ok(back)
}

fn finish(server: JoinHandle<Outcomes>) -> Vec<io::Result<u64>> {
    server
        .join()
        .expect("serve panicked")
        .expect("serve's accept failed")
}

#[test]
fn serves_each_client_in_turn_and_reports_their_bytes() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, server) = start(3)?;
        assert_eq!(talk(addr, "one\n")?, "one\n");
        assert_eq!(talk(addr, "two two\n")?, "two two\n");
        assert_eq!(talk(addr, "")?, "");
        let outcomes = finish(server);
        let bytes: Vec<u64> = outcomes
            .into_iter()
            .map(|o| o.expect("no client failed"))
            .collect();
        assert_eq!(bytes, [4, 8, 0]);
        Ok(())
    })
}

#[test]
fn the_second_client_is_answered_only_after_the_first_leaves() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, server) = start(2)?;
        let mut first = client(addr)?;
        first.write_all(b"first\n")?;
        let mut first_lines = BufReader::new(first.try_clone()?);
        let mut line = String::new();
        first_lines.read_line(&mut line)?;
        assert_eq!(line, "first\n", "the first client is being served");

        let mut second = client(addr)?;
        second.write_all(b"second\n")?;
        second.set_read_timeout(Some(Duration::from_millis(300)))?;
        let mut byte = [0u8; 1];
        let early = second.read(&mut byte);
        assert!(
            early.is_err(),
            "the second client was answered while the first was still connected: {early:?}"
        );

        first.shutdown(Shutdown::Write)?;
        second.set_read_timeout(Some(PATIENCE))?;
        second.shutdown(Shutdown::Write)?;
        let mut back = String::new();
        second.read_to_string(&mut back)?;
        assert_eq!(back, "second\n");
        assert_eq!(finish(server).len(), 2);
        Ok(())
    })
}

#[test]
fn a_client_that_resets_is_recorded_and_the_next_is_served() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, server) = start(2)?;
        let mut rude = client(addr)?;
        rude.write_all(b"bye\n")?;
        // Leave the echo unread and close: the kernel resets the connection.
        let mut peek = [0u8; 4];
        assert!(rude.peek(&mut peek)? > 0);
        drop(rude);
        assert_eq!(talk(addr, "still there?\n")?, "still there?\n");
        let outcomes = finish(server);
        assert_eq!(outcomes.len(), 2);
        let err = outcomes[0].as_ref().expect_err("the reset is recorded");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
        assert_eq!(outcomes[1].as_ref().ok(), Some(&13));
        Ok(())
    })
}

#[test]
fn each_connection_is_closed_as_soon_as_its_client_is_done() -> io::Result<()> {
    course::testing::panics_first(|| {
        // The first client reads end-of-file while the server is still running
        // (waiting for the second client): the server did not keep its socket.
        let (addr, server) = start(2)?;
        let mut first = client(addr)?;
        first.write_all(b"a")?;
        first.shutdown(Shutdown::Write)?;
        let mut back = Vec::new();
        first
            .read_to_end(&mut back)
            .expect("end-of-file for the first client before the second arrives");
        assert_eq!(back, b"a");
        assert!(!server.is_finished(), "serve waits for its second client");
        assert_eq!(talk(addr, "b")?, "b");
        assert_eq!(finish(server).len(), 2);
        Ok(())
    })
}

//! The specification of exercise 04-2: one thread answers whichever client
//! speaks first, whole lines only, and lets go of every fd it watched.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use course::testing::PATIENCE;
use ex04_2_one_thread_many_clients::answer_first_lines;
use ghetto_loop::sys::{Interest, Select, Selector, Socket, Token};

/// What `answer_first_lines` returned, with the selector and listener it
/// was given, so a test can check what is still registered.
type Outcome = io::Result<(Vec<String>, Select, Socket)>;

/// Runs `answer_first_lines` on its own thread; returns the address to
/// connect to and where its outcome will come.
fn start(clients: usize) -> io::Result<(SocketAddr, mpsc::Receiver<Outcome>)> {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 16)?;
    let addr = listener.local_addr()?;
    let mut selector = Select::new()?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let result = answer_first_lines(&mut selector, &listener, clients);
        let _ = tx.send(result.map(|lines| (lines, selector, listener)));
    });
    Ok((addr, rx))
}

fn finish(rx: mpsc::Receiver<Outcome>) -> Outcome {
    rx.recv_timeout(PATIENCE)
        .expect("answer_first_lines returned (or panicked) in time")
}

fn connect(addr: SocketAddr) -> io::Result<(TcpStream, BufReader<TcpStream>)> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_nodelay(true)?;
    let reader = BufReader::new(stream.try_clone()?);
    Ok((stream, reader))
}

fn reply(reader: &mut BufReader<TcpStream>) -> io::Result<String> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    Ok(line)
}

#[test]
fn a_silent_client_does_not_hold_up_a_talkative_one() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, done) = start(2)?;
        let (mut silent, mut silent_replies) = connect(addr)?;
        let (mut talker, mut talker_replies) = connect(addr)?;
        talker.write_all(b"me first\n")?;
        // A server stuck on the silent client never answers this.
        assert_eq!(reply(&mut talker_replies)?, "you said: me first\n");
        silent.write_all(b"now me\n")?;
        assert_eq!(reply(&mut silent_replies)?, "you said: now me\n");
        let (lines, _, _) = finish(done)?;
        assert_eq!(lines, ["me first", "now me"]);
        Ok(())
    })
}

#[test]
fn a_line_that_arrives_in_pieces_is_answered_once_and_whole() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, done) = start(1)?;
        let (mut client, mut replies) = connect(addr)?;
        for piece in [&b"hel"[..], b"lo, wor", b"ld\n"] {
            client.write_all(piece)?;
            // Apart in time, so they are apart on the wire (the answer is the
            // same however they arrive).
            thread::sleep(Duration::from_millis(30));
        }
        assert_eq!(reply(&mut replies)?, "you said: hello, world\n");
        let (lines, _, _) = finish(done)?;
        assert_eq!(lines, ["hello, world"]);
        Ok(())
    })
}

#[test]
fn a_client_that_hangs_up_without_a_line_is_done_without_one() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, done) = start(3)?;
        let (rude, _) = connect(addr)?;
        drop(rude);
        let (half, _) = connect(addr)?;
        (&half).write_all(b"no newline")?;
        drop(half);
        let (mut polite, mut replies) = connect(addr)?;
        polite.write_all(b"hi\n")?;
        assert_eq!(reply(&mut replies)?, "you said: hi\n");
        let (lines, _, _) = finish(done)?;
        assert_eq!(lines, ["hi"]);
        Ok(())
    })
}

#[test]
fn everything_is_deregistered_before_it_returns() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, done) = start(2)?;
        let mut clients = Vec::new();
        for line in ["one\n", "two\n"] {
            let (mut client, mut replies) = connect(addr)?;
            client.write_all(line.as_bytes())?;
            reply(&mut replies)?;
            clients.push(client);
        }
        let (lines, mut selector, listener) = finish(done)?;
        assert_eq!(lines.len(), 2);
        // Still registered, this would be AlreadyExists.
        selector.register(listener.as_fd(), Token(9), Interest::READABLE)?;
        // And nothing else is watched: a new client makes the listener, and
        // only the listener, ready.
        let _late = TcpStream::connect(addr)?;
        let mut events = Vec::new();
        selector.wait(&mut events, Some(PATIENCE))?;
        assert_eq!(
            events.iter().map(|e| e.token).collect::<Vec<_>>(),
            [Token(9)]
        );
        Ok(())
    })
}

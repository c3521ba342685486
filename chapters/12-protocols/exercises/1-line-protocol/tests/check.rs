//! The specification of exercise 12-1: do not edit; make it pass.
//!
//! Each test runs a server made of your `Lines` (answering every line in
//! upper case) on a loop in this thread, and a client that talks to it.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use course::testing::PATIENCE;
use ex12_1_line_protocol::Lines;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::protocol::{Server, Transport, create_server};
use nix::sys::socket::{
    AddressFamily, SockFlag, SockType, SockaddrIn, setsockopt, socket, sockopt,
};

const MAX: usize = 16;

fn upper_server(lp: &EventLoop) -> io::Result<Server> {
    create_server(
        lp,
        || {
            Lines::new(MAX, |t: &Transport, line: &str| {
                t.write(format!("{}\n", line.to_uppercase()).as_bytes())
            })
        },
        "127.0.0.1:0".parse().unwrap(),
    )
}

/// Runs the loop until `done` holds, for at most ten seconds; fails at once
/// if one of your callbacks panicked (the loop catches and reports it).
fn run_until(lp: &EventLoop, what: &str, mut done: impl FnMut() -> bool) -> io::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert_eq!(lp.stats().panics, 0, "your protocol panicked (see above)");
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        let tick = lp.call_later(Duration::from_millis(5), || {});
        lp.run_once()?;
        tick.cancel();
    }
    Ok(())
}

/// Sends each of `chunks` (as separate writes), then runs the loop until
/// `expected` has come back.
fn exchange(
    lp: &EventLoop,
    client: &mut TcpStream,
    chunks: &[&[u8]],
    expected: &str,
) -> io::Result<()> {
    for chunk in chunks {
        client.write_all(chunk)?;
    }
    let mut got = Vec::new();
    run_until(lp, &format!("the reply {expected:?}"), || {
        let mut buf = [0u8; 4096];
        match client.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("the connection failed: {e}"),
        }
        got.len() >= expected.len()
    })?;
    assert_eq!(String::from_utf8_lossy(&got), expected);
    Ok(())
}

fn connect(server: &Server) -> io::Result<TcpStream> {
    let client = TcpStream::connect(server.local_addr())?;
    client.set_nodelay(true)?;
    client.set_nonblocking(true)?;
    Ok(client)
}

/// [`connect`], with a receive buffer of a few kilobytes, set before the
/// connection is made so that the window it offers is that small: a client
/// that does not read then holds few of the server's replies, and the rest
/// piles up in the server's buffer for it.
fn connect_reading_little(server: &Server) -> io::Result<TcpStream> {
    let std::net::SocketAddr::V4(addr) = server.local_addr() else {
        panic!("the server listens on 127.0.0.1");
    };
    let fd = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    setsockopt(&fd, sockopt::RcvBuf, &4096)?;
    nix::sys::socket::connect(fd.as_raw_fd(), &SockaddrIn::from(addr))?;
    let client = TcpStream::from(fd);
    client.set_nodelay(true)?;
    client.set_nonblocking(true)?;
    Ok(client)
}

#[test]
fn lines_are_put_together_across_reads() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let server = upper_server(&lp)?;
    let mut client = connect(&server)?;
    exchange(&lp, &mut client, &[b"hel"], "")?;
    exchange(&lp, &mut client, &[b"lo\nwor", b"ld\r\n"], "HELLO\nWORLD\n")?;
    exchange(&lp, &mut client, &[b"a\nb\n\nc\n"], "A\nB\n\nC\n")?;
    Ok(())
}

#[test]
fn a_line_over_the_limit_gets_one_error_and_is_dropped() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let server = upper_server(&lp)?;
    let mut client = connect(&server)?;
    // Exactly the limit is fine.
    exchange(
        &lp,
        &mut client,
        &[b"sixteen bytes ok\n"],
        "SIXTEEN BYTES OK\n",
    )?;
    // Too long in one piece, and too long across three reads.
    exchange(
        &lp,
        &mut client,
        &[b"seventeen bytes!!\nok\n"],
        "error: line too long\nOK\n",
    )?;
    exchange(&lp, &mut client, &[b"0123456789"], "")?;
    exchange(&lp, &mut client, &[b"0123456789"], "error: line too long\n")?;
    exchange(&lp, &mut client, &[b"0123456789\nafter\n"], "AFTER\n")?;
    Ok(())
}

#[test]
fn a_line_that_is_not_utf8_gets_an_error() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let server = upper_server(&lp)?;
    let mut client = connect(&server)?;
    exchange(
        &lp,
        &mut client,
        &[b"caf\xe9\n", "café\n".as_bytes()],
        "error: not UTF-8\nCAFÉ\n",
    )?;
    Ok(())
}

#[test]
fn a_client_that_does_not_read_is_not_read_either() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let server = upper_server(&lp)?;
    let mut client = connect_reading_little(&server)?;
    // The listener's reader and the connection's: reading is on.
    run_until(&lp, "the connection to be accepted", || {
        lp.stats().readers == 2
    })?;
    // Send lines, never read the replies: the server's buffer for us fills,
    // and your protocol must stop reading our requests.
    let line = b"fifteen bytes!\n";
    let mut sent = 0usize;
    run_until(&lp, "the server to stop reading", || {
        for _ in 0..64 {
            match client.write(line) {
                Ok(n) if n == line.len() => sent += 1,
                Ok(_) => panic!("a partial write of 15 bytes: unexpected"),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("the connection failed: {e}"),
            }
        }
        // Only the listener keeps a reader once the connection is paused.
        lp.stats().readers == 1
    })?;
    // Read everything back: the server resumes and answers every line.
    let expected = sent * line.len();
    let mut got = 0usize;
    run_until(&lp, "every answer", || {
        let mut buf = [0u8; 65536];
        loop {
            match client.read(&mut buf) {
                Ok(0) => panic!("the server closed the connection"),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("the connection failed: {e}"),
            }
        }
        got >= expected
    })?;
    assert_eq!(got, expected);
    assert_eq!(lp.stats().readers, 2, "reading again after resume_writing");
    Ok(())
}

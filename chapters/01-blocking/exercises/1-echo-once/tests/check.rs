//! The specification of exercise 01-1: `echo` sends every byte back, stops at
//! end-of-file, and returns errors instead of panicking.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};

use course::testing::PATIENCE;
use ex01_1_echo_once::echo;
use ghetto_loop::sys::Socket;

/// Connects a client and runs `echo` on the server's side of it, in a thread.
fn connect() -> io::Result<(TcpStream, JoinHandle<io::Result<u64>>)> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 8)?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    // Every read in these tests is bounded, so a broken `echo` fails them
    // instead of hanging them.
    client.set_read_timeout(Some(PATIENCE))?;
    let (conn, _) = listener.accept()?;
    Ok((client, thread::spawn(move || echo(&conn))))
}

fn finish(server: JoinHandle<io::Result<u64>>) -> io::Result<u64> {
    server.join().expect("echo panicked")
}

#[test]
fn echoes_a_line_and_counts_its_bytes() -> io::Result<()> {
    let (mut client, server) = connect()?;
    client.write_all(b"hello\n")?;
    let mut back = [0u8; 6];
    client.read_exact(&mut back)?;
    assert_eq!(&back, b"hello\n");
    client.shutdown(Shutdown::Write)?;
    assert_eq!(finish(server)?, 6);
    Ok(())
}

#[test]
fn a_client_that_says_nothing_gets_nothing_and_echo_returns_0() -> io::Result<()> {
    let (mut client, server) = connect()?;
    client.shutdown(Shutdown::Write)?;
    let mut back = Vec::new();
    client.read_to_end(&mut back)?;
    assert!(back.is_empty());
    assert_eq!(finish(server)?, 0);
    Ok(())
}

#[test]
fn four_mebibytes_come_back_whole_and_in_order() -> io::Result<()> {
    let (client, server) = connect()?;
    let data: Vec<u8> = (0..4u32 << 20).map(|i| (i % 253) as u8).collect();
    // Write from one thread and read from another: neither side's buffers
    // hold 4 MiB, so both directions must flow at once.
    let mut writer = client.try_clone()?;
    let sent = data.clone();
    let writer = thread::spawn(move || -> io::Result<()> {
        writer.write_all(&sent)?;
        writer.shutdown(Shutdown::Write)
    });
    let mut back = Vec::with_capacity(data.len());
    (&client).read_to_end(&mut back)?;
    writer.join().expect("the writer does not panic")?;
    assert_eq!(back.len(), data.len());
    assert!(back == data, "the bytes came back changed or out of order");
    assert_eq!(finish(server)?, data.len() as u64);
    Ok(())
}

#[test]
fn a_reset_connection_is_an_error_not_a_panic() -> io::Result<()> {
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
}

//! The tokio peer, run as the harness runs it (`bench serve tokio ADDR` in a
//! child process): it echoes, also what does not fit a socket buffer at
//! once, and keeps serving after a peer vanishes mid-echo.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server process, killed on drop so a failing test leaves nothing
/// behind.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> (Server, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["serve", "tokio", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        // The vanished peer makes it log a reset; that is expected here.
        .stderr(Stdio::null())
        .spawn()
        .expect("bench starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server prints a line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("not an announcement: {line:?}"));
    (server, addr)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).unwrap();
    // Bounds every read, so a server that stops echoing fails the test.
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    conn
}

#[test]
fn echoes_more_than_a_socket_buffer_and_survives_a_vanished_peer() {
    let (_server, addr) = start();

    // A peer that sends and vanishes without reading its echo.
    let mut rude = connect(addr);
    rude.write_all(&[7; 200_000]).unwrap();
    drop(rude);

    // 4 MiB, far more than the socket buffers hold: the server must keep
    // what the socket did not take and send it later.
    let big: Vec<u8> = (0..4 << 20).map(|i| (i % 251) as u8).collect();
    let mut conn = connect(addr);
    let writer = {
        let mut conn = conn.try_clone().unwrap();
        let big = big.clone();
        std::thread::spawn(move || conn.write_all(&big))
    };
    let mut echoed = vec![0; big.len()];
    conn.read_exact(&mut echoed).unwrap();
    writer.join().unwrap().unwrap();
    assert!(echoed == big, "the echo differs from what was sent");

    // Still serving, this connection and a new one.
    for conn in [&mut conn, &mut connect(addr)] {
        conn.write_all(b"ping").unwrap();
        let mut pong = [0; 4];
        conn.read_exact(&mut pong).unwrap();
        assert_eq!(&pong, b"ping");
    }
}

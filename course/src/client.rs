//! The built-in line client: `cargo run -p chNN-slug -- client ADDR`.
//!
//! Type a line and press enter; everything the server sends is printed as it
//! arrives. End input (Ctrl-D) to say goodbye: the client closes its sending
//! half and prints what the server still has to say, for up to two seconds.
//!
//! It is written with `std::net` on purpose: the client is a prop, not the
//! subject, and a learner should not have to read it.

use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Connects to `addr` and relays stdin to the server and the server to stdout.
pub fn run(addr: SocketAddr) -> io::Result<()> {
    let stream = TcpStream::connect(addr)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot connect to {addr}: {e}")))?;
    eprintln!("connected to {addr}; type a line and press enter, Ctrl-D to finish");
    let mut from_server = stream.try_clone()?;
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut out = io::stdout();
        let result = loop {
            match from_server.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    if out.write_all(&buf[..n]).and_then(|_| out.flush()).is_err() {
                        break Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        };
        let _ = done_tx.send(result);
    });

    let mut to_server = &stream;
    for line in io::stdin().lock().lines() {
        let line = line?;
        if let Err(e) = to_server.write_all(format!("{line}\n").as_bytes()) {
            eprintln!("the server closed the connection: {e}");
            return Ok(());
        }
        if let Ok(result) = done_rx.try_recv() {
            eprintln!("the server closed the connection");
            return result;
        }
    }
    // Ctrl-D: tell the server we are done, then give it a moment to answer.
    let _ = stream.shutdown(Shutdown::Write);
    match done_rx.recv_timeout(Duration::from_secs(2)) {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}

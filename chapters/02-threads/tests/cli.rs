//! The command line: `serve 127.0.0.1:0` announces its port and echoes; bad
//! arguments exit 2 with the usage.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_ch02-threads");

/// Kills the server when the test ends, passed or failed.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_announces_its_address_first_and_echoes() -> anyhow::Result<()> {
    let mut server = Server(
        Command::new(BIN)
            .args(["serve", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let stdout = server.0.stdout.take().expect("piped");
    let (first_line, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = first_line.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30))?;
    let addr: SocketAddr = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {line:?}"))
        .parse()?;
    assert_ne!(addr.port(), 0);

    let mut client = TcpStream::connect(addr)?;
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    client.write_all(b"over the wire\n")?;
    let mut echo = String::new();
    BufReader::new(&client).read_line(&mut echo)?;
    assert_eq!(echo, "over the wire\n");
    Ok(())
}

#[test]
fn bad_arguments_exit_2_with_the_usage() -> anyhow::Result<()> {
    let out = Command::new(BIN).args(["serve", "nowhere"]).output()?;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not an address"), "{stderr}");
    assert!(stderr.contains("Usage:"), "{stderr}");
    Ok(())
}

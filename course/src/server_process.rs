//! A chapter's server run as a process of its own, for tests: started with
//! `serve 127.0.0.1:0`, found by the `listening on ADDR` line it prints
//! first, killed when dropped.
//!
//! A process of its own gives the server its own fd numbers and its own
//! limits (`ulimit -n`), and proves the binary a learner runs, not only the
//! library under it.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;

use crate::testing::PATIENCE;

/// A running server process; killed and reaped on drop, passed or failed.
#[derive(Debug)]
pub struct ServerProcess {
    /// The process. Its stdout belongs to the `ServerProcess`; its stderr is
    /// whatever the command said.
    child: Child,
    /// Where it listens, from its first line.
    addr: SocketAddr,
}

impl ServerProcess {
    /// Runs `bin serve 127.0.0.1:0 ARGS...`, its stderr thrown away.
    pub fn serve(bin: &str, args: &[&str]) -> io::Result<ServerProcess> {
        let mut command = Command::new(bin);
        command
            .args(["serve", "127.0.0.1:0"])
            .args(args)
            .stderr(Stdio::null());
        ServerProcess::start(command)
    }

    /// Spawns `command` with its stdout piped and waits, at most
    /// [`PATIENCE`], for the first line, which must be `listening on ADDR`.
    /// Anything else is an `InvalidData` error that quotes it.
    pub fn start(mut command: Command) -> io::Result<ServerProcess> {
        let mut child = command.stdout(Stdio::piped()).spawn()?;
        // Kill it if we return early: the `ServerProcess` owns it from here.
        let stdout = child.stdout.take().expect("stdout was piped above");
        let mut server = ServerProcess {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        };
        let (first_line, said) = mpsc::channel();
        thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            let _ = first_line.send(line);
            // Keep reading, so that a later line never meets a closed pipe.
            let _ = io::copy(&mut stdout, &mut io::sink());
        });
        let first = said.recv_timeout(PATIENCE).map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the server printed no line within {PATIENCE:?}"),
            )
        })?;
        server.addr = first
            .trim_end()
            .strip_prefix("listening on ")
            .and_then(|addr| addr.parse().ok())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("the server said {first:?}, not \"listening on ADDR\""),
                )
            })?;
        Ok(server)
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The process, e.g. to take its stderr.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

/// The contract of every chapter binary's command line, checked on `bin`:
/// `serve 127.0.0.1:0` announces a real port first and echoes a line sent
/// to it.
pub fn assert_serve_announces_and_echoes(bin: &str) -> io::Result<()> {
    let server = ServerProcess::serve(bin, &[])?;
    assert_ne!(server.addr().port(), 0, "the server announced port 0");
    crate::line_client::LineClient::connect(server.addr())?.round_trip("over the wire")
}

/// The other half of the contract: `serve nowhere` exits with status 2 and
/// prints what was wrong and the usage.
pub fn assert_a_bad_address_exits_2_with_the_usage(bin: &str) -> io::Result<()> {
    let out = Command::new(bin).args(["serve", "nowhere"]).output()?;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not an address"), "{stderr}");
    assert!(stderr.contains("Usage:"), "{stderr}");
    Ok(())
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_line_that_is_not_an_address_is_a_clear_error() {
        let mut command = Command::new("echo");
        command.arg("hello");
        let error = ServerProcess::start(command).expect_err("no address");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("\"hello\\n\""), "{error}");
    }

    #[test]
    fn the_announced_address_is_kept() -> io::Result<()> {
        let mut command = Command::new("sh");
        command.args(["-c", "echo 'listening on 127.0.0.1:7004'; exec sleep 30"]);
        let server = ServerProcess::start(command)?;
        assert_eq!(server.addr(), SocketAddr::from(([127, 0, 0, 1], 7004)));
        Ok(())
    }
}

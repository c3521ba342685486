//! A real SIGTERM (and Ctrl-C's SIGINT) to `serve` in a child process, on
//! every runtime: members are told goodbye and the process exits cleanly.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use ch21_capstone::probe::{ChatClient, one_answer};

struct Server {
    child: Child,
    chat: SocketAddr,
    http: SocketAddr,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start(runtime: &str) -> anyhow::Result<Server> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ch21-capstone"))
            .args([
                "serve",
                "127.0.0.1:0",
                "--http",
                "127.0.0.1:0",
                "--runtime",
                runtime,
            ])
            .stdout(Stdio::piped())
            .spawn()?;
        let mut stdout = BufReader::new(
            child
                .stdout
                .take()
                .ok_or_else(|| anyhow::anyhow!("no stdout"))?,
        );
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let chat = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| anyhow::anyhow!("{line:?}"))?
            .parse()?;
        line.clear();
        stdout.read_line(&mut line)?;
        let http = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .ok_or_else(|| anyhow::anyhow!("no HTTP address in {line:?}"))?
            .parse()?;
        Ok(Server {
            child,
            chat,
            http,
            stdout,
        })
    }

    fn signal(&self, name: &str) -> anyhow::Result<()> {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()?;
        anyhow::ensure!(status.success(), "kill -{name} failed");
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn shuts_down_on(runtime: &str, signal: &str) -> anyhow::Result<()> {
    let mut server = Server::start(runtime)?;
    let mut member = ChatClient::connect(server.chat)?;
    assert!(member.line()?.starts_with("* welcome"));
    assert_eq!(
        one_answer(server.http, b"GET /hello/x HTTP/1.1\r\nHost: t\r\n\r\n")?.status,
        200
    );
    server.signal(signal)?;
    assert_eq!(member.rest()?, ["* the server is shutting down; goodbye"]);
    let status = server.child.wait()?;
    assert!(status.success(), "{runtime} exited with {status}");
    let mut last = String::new();
    server.stdout.read_line(&mut last)?;
    assert!(
        last.starts_with("shut down: ShutdownReport { told_goodbye: 1,"),
        "{last}"
    );
    assert!(last.contains("clean: true"), "{last}");
    Ok(())
}

#[test]
fn sigterm_on_ghetto_loop() -> anyhow::Result<()> {
    shuts_down_on("ghetto", "TERM")
}

#[test]
fn sigterm_on_tokio() -> anyhow::Result<()> {
    shuts_down_on("tokio", "TERM")
}

#[test]
fn ctrl_c_on_ghetto_loop() -> anyhow::Result<()> {
    shuts_down_on("ghetto", "INT")
}

#[test]
fn ctrl_c_on_tokio() -> anyhow::Result<()> {
    shuts_down_on("tokio", "INT")
}

#[test]
fn sigterm_on_tokio_multi_thread() -> anyhow::Result<()> {
    shuts_down_on("tokio-mt", "TERM")
}

//! The demo's client, written with `std::net`: the clients are props, the
//! servers are the subject (chapter 15).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};

use anyhow::{Context, bail};

use super::PATIENCE;

/// A blocking client with a bounded wait on every read.
#[derive(Debug)]
pub struct Client {
    /// The connection.
    pub stream: TcpStream,
}

impl Client {
    /// Connects to `addr`. Small writes go out at once (no Nagle delay).
    pub fn connect(addr: SocketAddr) -> anyhow::Result<Client> {
        let stream = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
        stream.set_read_timeout(Some(PATIENCE))?;
        stream.set_write_timeout(Some(PATIENCE))?;
        stream.set_nodelay(true)?;
        Ok(Client { stream })
    }

    /// Sends `text`.
    pub fn send(&mut self, text: &str) -> anyhow::Result<()> {
        Ok(self.stream.write_all(text.as_bytes())?)
    }

    /// Receives exactly `n` bytes, as text.
    pub fn receive(&mut self, n: usize) -> anyhow::Result<String> {
        let mut buf = vec![0; n];
        self.stream
            .read_exact(&mut buf)
            .with_context(|| format!("waiting for {n} bytes"))?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Sends `text` and checks that it comes back.
    pub fn round_trip(&mut self, text: &str) -> anyhow::Result<()> {
        self.send(text)?;
        let got = self.receive(text.len())?;
        if got != text {
            bail!("sent {text:?}, got back {got:?}");
        }
        Ok(())
    }

    /// Says goodbye (closes the sending half) and waits until the server
    /// closes its side; returns whatever came before that.
    pub fn finish(mut self) -> anyhow::Result<String> {
        self.stream.shutdown(Shutdown::Write)?;
        let mut rest = String::new();
        self.stream
            .read_to_string(&mut rest)
            .context("waiting for the server to close")?;
        Ok(rest)
    }
}

//! Blocking clients that talk to the app, for the demo and the tests
//! (chapter 21).
//!
//! Plain `std::net` sockets with bounded waits: what they print or assert
//! is what really came over the wire.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// How long a probe waits for something that should come at once: the
/// course's one bound for that.
pub use course::testing::PATIENCE;

/// A client of either server: lines for the chat, answers for HTTP.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

/// A chat member.
pub type ChatClient = Client;

/// An HTTP client that sends raw bytes and reads answers.
pub type HttpClient = Client;

impl Client {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> io::Result<Client> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(PATIENCE))?;
        stream.set_write_timeout(Some(PATIENCE))?;
        stream.set_nodelay(true)?;
        let reader = BufReader::new(stream.try_clone()?);
        Ok(Client { stream, reader })
    }

    /// Sends `bytes` as they are (a chat line needs its own `\n`).
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// The next line the server sent, without its newline; `UnexpectedEof`
    /// if it closed.
    pub fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line.trim_end_matches('\n').to_owned())
    }

    /// Reads lines until one satisfies `wanted`; returns it.
    pub fn line_where(&mut self, wanted: impl Fn(&str) -> bool) -> io::Result<String> {
        loop {
            let line = self.line()?;
            if wanted(&line) {
                return Ok(line);
            }
        }
    }

    /// Every line until the server closes the connection.
    pub fn rest(&mut self) -> io::Result<Vec<String>> {
        let mut lines = Vec::new();
        loop {
            match self.line() {
                Ok(line) => lines.push(line),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(lines),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(lines),
                Err(e) => return Err(e),
            }
        }
    }
}

/// One HTTP answer as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The whole status line.
    pub status_line: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body (empty for `HEAD`).
    pub body: String,
}

impl Answer {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the server said it closes the connection.
    pub fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

impl Client {
    /// Reads one answer; `head_only`: it answers a `HEAD` (no body, whatever
    /// `Content-Length` says).
    pub fn answer(&mut self, head_only: bool) -> io::Result<Answer> {
        let mut status_line = String::new();
        if self.reader.read_line(&mut status_line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status_line = status_line.trim_end().to_owned();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| invalid(format!("bad header {line:?}")))?;
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let mut answer = Answer {
            status,
            status_line,
            headers,
            body: String::new(),
        };
        if !head_only {
            let length: usize = answer
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| invalid("no Content-Length".into()))?;
            let mut body = vec![0; length];
            self.reader.read_exact(&mut body)?;
            answer.body = String::from_utf8_lossy(&body).into_owned();
        }
        Ok(answer)
    }

    /// Whether the server has closed the connection (reads end-of-file, or
    /// a reset, within [`PATIENCE`]).
    pub fn closed(&mut self) -> io::Result<bool> {
        let mut byte = [0];
        match self.reader.read(&mut byte) {
            Ok(0) => Ok(true),
            Ok(_) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(true),
            Err(e) => Err(e),
        }
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Sends `request` on a fresh connection and reads one answer.
pub fn one_answer(addr: SocketAddr, request: &[u8]) -> io::Result<Answer> {
    let mut client = HttpClient::connect(addr)?;
    client.send(request)?;
    client.answer(request.starts_with(b"HEAD "))
}

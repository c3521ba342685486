//! The incremental HTTP/1.1 request parser (chapter 21).
//!
//! Feed it bytes as they arrive; ask it for the next request. It answers
//! with a [`Request`], with "not yet" (the head is incomplete), or with an
//! [`HttpError`] that carries the status to answer with. Several pipelined
//! requests in one read come out one after the other; a head split across
//! reads waits for its end. Limits make bad input cheap: the head (request
//! line and headers) may be at most `max_head` bytes, and the parser knows
//! that as soon as the limit is passed, without waiting for an end.
//!
//! What it accepts, deliberately small:
//!
//! * methods `GET`, `HEAD` (served), and `POST`, `PUT`, `DELETE`,
//!   `OPTIONS`, `PATCH` (known, so a route can answer 405); any other
//!   method is 501;
//! * `HTTP/1.1` and `HTTP/1.0`; another version is 505;
//! * an origin-form target (`/path?query`);
//! * `Content-Length` bodies are framed but never read: the answer then
//!   closes the connection. `Transfer-Encoding` (chunked bodies) is 501,
//!   and a `POST`, `PUT` or `PATCH` without a length is 411.
//!
//! Lines may end in `\r\n` or a bare `\n` (RFC 9112 lets a server accept
//! both, and `nc` sends the latter). Empty lines before a request are
//! skipped, as the RFC recommends.
//!
//! Simplification: the search for the head's end restarts where the last
//! one stopped, so a head that arrives a byte at a time costs O(n) in all;
//! httparse and hyper do the same, with SIMD for the search.

use super::buffer::ReadBuffer;
use super::response::Status;

/// The default limit on a request's head, in bytes.
pub const MAX_HEAD: usize = 8 * 1024;

/// The most header lines a request may have.
pub const MAX_HEADERS: usize = 100;

/// A request method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`: the same headers as `GET`, no body.
    Head,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `DELETE`.
    Delete,
    /// `OPTIONS`.
    Options,
    /// `PATCH`.
    Patch,
}

/// An HTTP version this server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `HTTP/1.0`: closes after each response unless asked to keep alive.
    Http10,
    /// `HTTP/1.1`: keeps the connection alive unless asked to close.
    Http11,
}

/// One parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// The target, e.g. `/hello/ada?x=1`.
    pub target: &'a str,
    /// The version.
    pub version: Version,
    /// Whether the client allows the connection to stay open after the
    /// answer (1.1 by default, 1.0 only with `Connection: keep-alive`;
    /// never when a body follows, since the body is not read).
    pub keep_alive: bool,
    /// The body's length from `Content-Length` (0 without one).
    pub body_len: u64,
}

impl Request<'_> {
    /// The target's path, without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target, |(p, _)| p)
    }
}

/// A request that cannot be served, and the answer it gets. The connection
/// is closed after that answer: the parser no longer knows where the next
/// request would begin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    /// The status to answer with.
    pub status: Status,
    /// One line saying what was wrong and what is allowed.
    pub message: String,
}

impl HttpError {
    fn new(status: Status, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            message: message.into(),
        }
    }

    /// The answer to a client that started a request and did not finish
    /// its head in time.
    pub fn header_timeout() -> HttpError {
        HttpError::new(
            Status::REQUEST_TIMEOUT,
            "the request head did not arrive in time; send it all at once",
        )
    }
}

/// Reads requests out of a connection's byte stream.
#[derive(Debug)]
pub struct RequestReader {
    buf: ReadBuffer,
    /// The bytes of the request last returned, consumed on the next call
    /// (the returned request borrows them until then).
    parsed: usize,
    /// How far the search for the current head's end got, from the start
    /// of the unconsumed data.
    scanned: usize,
    max_head: usize,
}

impl RequestReader {
    /// A reader that accepts heads of up to `max_head` bytes.
    pub fn new(max_head: usize) -> RequestReader {
        RequestReader {
            buf: ReadBuffer::new(max_head + 1024),
            parsed: 0,
            scanned: 0,
            max_head,
        }
    }

    /// The free room to read into (see [`ReadBuffer::spare`]).
    pub fn spare(&mut self) -> &mut [u8] {
        self.settle();
        self.buf.spare()
    }

    /// Marks `n` bytes of the spare room as read.
    pub fn filled(&mut self, n: usize) {
        self.buf.filled(n);
    }

    /// Copies `data` in; returns how much fitted (tests and tools).
    pub fn feed(&mut self, data: &[u8]) -> usize {
        self.settle();
        self.buf.feed(data)
    }

    /// Whether no byte of a next request has arrived: the connection is
    /// idle between requests.
    pub fn is_idle(&self) -> bool {
        self.buf.data().len() == self.parsed
    }

    /// The next complete request, `Ok(None)` if its head is not all here
    /// yet, or the error to answer with.
    pub fn next_request(&mut self) -> Result<Option<Request<'_>>, HttpError> {
        self.settle();
        let data = self.buf.data();
        // Skip the empty lines a client may send between requests.
        let skip = data
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .unwrap_or(data.len());
        let Some(head_len) = find_head_end(data, self.scanned.max(skip)) else {
            if data.len() - skip > self.max_head {
                return Err(too_large(self.max_head));
            }
            // Drop the empty lines now, and search on from the last byte
            // but one next time (a `\n\r` may end the data).
            self.parsed = skip;
            self.scanned = data.len().saturating_sub(2).saturating_sub(skip);
            return Ok(None);
        };
        if head_len - skip > self.max_head {
            return Err(too_large(self.max_head));
        }
        self.scanned = 0;
        self.parsed = head_len;
        parse_head(&data[skip..head_len]).map(Some)
    }

    /// Consumes the request returned last.
    fn settle(&mut self) {
        self.buf.consume(std::mem::take(&mut self.parsed));
    }
}

/// Where the head ends: the index just past the empty line that ends it,
/// searching from `from`.
fn find_head_end(data: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(offset) = data[i..].iter().position(|&b| b == b'\n') {
        let nl = i + offset;
        match data.get(nl + 1) {
            Some(b'\n') => return Some(nl + 2),
            Some(b'\r') if data.get(nl + 2) == Some(&b'\n') => return Some(nl + 3),
            _ => i = nl + 1,
        }
    }
    None
}

fn too_large(max: usize) -> HttpError {
    HttpError::new(
        Status::HEADERS_TOO_LARGE,
        format!("the request head is over {max} bytes; send fewer or shorter headers"),
    )
}

fn bad(message: &str) -> HttpError {
    HttpError::new(Status::BAD_REQUEST, message)
}

/// Parses a complete head (request line, headers, empty line).
fn parse_head(head: &[u8]) -> Result<Request<'_>, HttpError> {
    let mut lines = head.split(|&b| b == b'\n').map(|line| match line {
        [rest @ .., b'\r'] => rest,
        line => line,
    });
    let request_line = lines.next().unwrap_or_default();
    let (method, target, version) = parse_request_line(request_line)?;
    let mut close = false;
    let mut keep_alive = false;
    let mut host = false;
    let mut length: Option<u64> = None;
    for (count, line) in lines.take_while(|l| !l.is_empty()).enumerate() {
        if count == MAX_HEADERS {
            return Err(HttpError::new(
                Status::HEADERS_TOO_LARGE,
                format!("more than {MAX_HEADERS} header lines; send fewer"),
            ));
        }
        let (name, value) = parse_header(line)?;
        if name.eq_ignore_ascii_case(b"connection") {
            for token in value.split(|&b| b == b',').map(|t| t.trim_ascii()) {
                close |= token.eq_ignore_ascii_case(b"close");
                keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let n = parse_length(value)?;
            if length.is_some_and(|old| old != n) {
                return Err(bad("two different Content-Length headers"));
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(HttpError::new(
                Status::NOT_IMPLEMENTED,
                "Transfer-Encoding is not supported; send a Content-Length instead",
            ));
        } else if name.eq_ignore_ascii_case(b"host") {
            host = true;
        }
    }
    if version == Version::Http11 && !host {
        return Err(bad("an HTTP/1.1 request needs a Host header"));
    }
    let takes_body = matches!(method, Method::Post | Method::Put | Method::Patch);
    if takes_body && length.is_none() {
        return Err(HttpError::new(
            Status::LENGTH_REQUIRED,
            "a request with a body needs a Content-Length",
        ));
    }
    let body_len = length.unwrap_or(0);
    let keep_alive = body_len == 0
        && !close
        && match version {
            Version::Http11 => true,
            Version::Http10 => keep_alive,
        };
    Ok(Request {
        method,
        target,
        version,
        keep_alive,
        body_len,
    })
}

fn parse_request_line(line: &[u8]) -> Result<(Method, &str, Version), HttpError> {
    const SHAPE: &str = "malformed request line; expected METHOD /path HTTP/1.1";
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(SHAPE));
    };
    if method.is_empty() || !method.iter().all(|&b| is_token(b)) {
        return Err(bad(SHAPE));
    }
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        [b'H', b'T', b'T', b'P', b'/', major, rest @ ..]
            if major.is_ascii_digit() && matches!(rest, [] | [b'.', b'0'..=b'9']) =>
        {
            return Err(HttpError::new(
                Status::VERSION_NOT_SUPPORTED,
                format!(
                    "{} is not supported; use HTTP/1.1 or HTTP/1.0",
                    String::from_utf8_lossy(version)
                ),
            ));
        }
        _ => return Err(bad(SHAPE)),
    };
    if target.first() != Some(&b'/') || !target.iter().all(|b| (0x21..0x7f).contains(b)) {
        return Err(bad(
            "the target must be a path that starts with / (visible ASCII only)",
        ));
    }
    // Only visible ASCII: checked just above.
    let target = std::str::from_utf8(target).map_err(|_| bad(SHAPE))?;
    let method = match method {
        b"GET" => Method::Get,
        b"HEAD" => Method::Head,
        b"POST" => Method::Post,
        b"PUT" => Method::Put,
        b"DELETE" => Method::Delete,
        b"OPTIONS" => Method::Options,
        b"PATCH" => Method::Patch,
        other => {
            return Err(HttpError::new(
                Status::NOT_IMPLEMENTED,
                format!(
                    "method {} is not implemented; this server answers GET and HEAD",
                    String::from_utf8_lossy(other)
                ),
            ));
        }
    };
    Ok((method, target, version))
}

fn parse_header(line: &[u8]) -> Result<(&[u8], &[u8]), HttpError> {
    if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
        return Err(bad("folded header lines are not allowed"));
    }
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Err(bad("a header line needs a colon: Name: value"));
    };
    let name = &line[..colon];
    if name.is_empty() || !name.iter().all(|&b| is_token(b)) {
        return Err(bad(
            "a header name is letters, digits and !#$%&'*+-.^_`|~, with no space before the colon",
        ));
    }
    Ok((name, line[colon + 1..].trim_ascii()))
}

fn parse_length(value: &[u8]) -> Result<u64, HttpError> {
    if value.is_empty() || value.len() > 18 || !value.iter().all(u8::is_ascii_digit) {
        return Err(bad("Content-Length must be a decimal number"));
    }
    Ok(value.iter().fold(0, |n, &d| n * 10 + u64::from(d - b'0')))
}

/// RFC 9110's `tchar`: what a method or a header name is made of.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

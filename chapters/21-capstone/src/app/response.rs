//! Status codes and response encoding (chapter 21).
//!
//! A response is written into the connection's output buffer in one go,
//! head and body, so that a batch of pipelined answers leaves in one
//! `write`. Every response carries `Content-Length`: the client never has
//! to wait for a close to know where a body ends.

use std::io::Write as _;

use super::request::Version;

/// An HTTP status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Status(pub u16);

impl Status {
    /// 200.
    pub const OK: Status = Status(200);
    /// 400.
    pub const BAD_REQUEST: Status = Status(400);
    /// 404.
    pub const NOT_FOUND: Status = Status(404);
    /// 405, with an `Allow` header.
    pub const METHOD_NOT_ALLOWED: Status = Status(405);
    /// 408.
    pub const REQUEST_TIMEOUT: Status = Status(408);
    /// 411.
    pub const LENGTH_REQUIRED: Status = Status(411);
    /// 431.
    pub const HEADERS_TOO_LARGE: Status = Status(431);
    /// 501.
    pub const NOT_IMPLEMENTED: Status = Status(501);
    /// 505.
    pub const VERSION_NOT_SUPPORTED: Status = Status(505);

    /// The reason phrase.
    pub fn reason(self) -> &'static str {
        match self.0 {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            411 => "Length Required",
            431 => "Request Header Fields Too Large",
            501 => "Not Implemented",
            505 => "HTTP Version Not Supported",
            _ => "Unknown",
        }
    }

    /// 1 to 5: the first digit.
    pub fn class(self) -> usize {
        usize::from(self.0 / 100)
    }
}

/// What goes in a response head besides the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The status.
    pub status: Status,
    /// The body's `Content-Type`.
    pub content_type: &'static str,
    /// Keep the connection open after this response.
    pub keep_alive: bool,
    /// The request's version: a kept-alive 1.0 connection must be told so.
    pub version: Version,
    /// Answer to `HEAD`: the same headers, no body.
    pub head_only: bool,
    /// Add `Allow: GET, HEAD` (for a 405).
    pub allow: bool,
}

/// The methods every route takes.
pub const ALLOWED: &str = "GET, HEAD";

/// Appends the response `head` with `body` to `out`.
pub fn write_response(out: &mut Vec<u8>, head: &Head, body: &[u8]) {
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\nServer: capstone\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        head.status.0,
        head.status.reason(),
        head.content_type,
        body.len()
    );
    if head.allow {
        let _ = write!(out, "Allow: {ALLOWED}\r\n");
    }
    match (head.keep_alive, head.version) {
        (false, _) => out.extend_from_slice(b"Connection: close\r\n"),
        (true, Version::Http10) => out.extend_from_slice(b"Connection: keep-alive\r\n"),
        (true, Version::Http11) => {}
    }
    out.extend_from_slice(b"\r\n");
    if !head.head_only {
        out.extend_from_slice(body);
    }
}

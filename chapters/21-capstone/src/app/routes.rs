//! What each path answers, and how errors are answered (chapter 21).
//!
//! | route | answer |
//! |-------|--------|
//! | `/` | a short text page listing the routes |
//! | `/hello/NAME` | `hello, NAME` (NAME: 1 to 32 letters, digits, `-`, `_`) |
//! | `/status` | the live figures as JSON |
//!
//! Every route takes `GET` and `HEAD`; another known method gets 405 with
//! `Allow: GET, HEAD`. An unknown path is 404. These answers keep the
//! connection open; a parse error ([`HttpError`]) closes it.

use super::chat::ChatStats;
use super::request::{HttpError, Method, Request, Version};
use super::response::{Head, Status, write_response};
use super::status::{HttpStats, status_json};

/// The text of `/`.
pub const INDEX: &str = "ghetto-loop capstone: a chat and this HTTP server, on ghetto-loop or on tokio.\n\
Routes: GET /, GET /hello/NAME, GET /status (JSON). HEAD works on each.\n";

/// What the shell needs to know about the answer it just wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Its status, for the counters.
    pub status: Status,
    /// Whether the connection stays open.
    pub keep_alive: bool,
}

/// The figures `/status` shows, borrowed from the shell's state.
#[derive(Debug, Clone, Copy)]
pub struct Figures<'a> {
    /// Chat members connected now.
    pub members: usize,
    /// The chat's counters.
    pub chat: &'a ChatStats,
    /// The HTTP counters.
    pub http: &'a HttpStats,
}

/// Answers `request` into `out`. `closing`: the server is shutting down,
/// so the connection closes after this answer.
pub fn respond(
    request: &Request<'_>,
    figures: Figures<'_>,
    closing: bool,
    out: &mut Vec<u8>,
) -> Outcome {
    let path = request.path();
    let mut head = Head {
        status: Status::OK,
        content_type: "text/plain; charset=utf-8",
        keep_alive: request.keep_alive && !closing,
        version: request.version,
        head_only: request.method == Method::Head,
        allow: false,
    };
    let known = path == "/" || path == "/status" || path.starts_with("/hello/");
    if known && !matches!(request.method, Method::Get | Method::Head) {
        head.status = Status::METHOD_NOT_ALLOWED;
        head.allow = true;
        let body = plain(head.status, &format!("{path} answers GET and HEAD only"));
        write_response(out, &head, body.as_bytes());
    } else if path == "/" {
        write_response(out, &head, INDEX.as_bytes());
    } else if path == "/status" {
        head.content_type = "application/json";
        let json = status_json(figures.members, figures.chat, figures.http);
        write_response(out, &head, json.as_bytes());
    } else if let Some(name) = path.strip_prefix("/hello/") {
        let valid = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let mut body = [0u8; 48];
        let len = if valid {
            let text = [b"hello, ", name.as_bytes(), b"\n"];
            let mut at = 0;
            for part in text {
                body[at..at + part.len()].copy_from_slice(part);
                at += part.len();
            }
            at
        } else {
            head.status = Status::BAD_REQUEST;
            let text = b"a name is 1 to 32 letters, digits, - or _\n";
            body[..text.len()].copy_from_slice(text);
            text.len()
        };
        write_response(out, &head, &body[..len]);
    } else {
        head.status = Status::NOT_FOUND;
        let body = plain(
            head.status,
            &format!("no page at {path}; try /, /hello/NAME or /status"),
        );
        write_response(out, &head, body.as_bytes());
    }
    Outcome {
        status: head.status,
        keep_alive: head.keep_alive,
    }
}

/// Answers a request that could not be parsed: its status, a one-line
/// plain-text body, and `Connection: close`.
pub fn respond_error(error: &HttpError, out: &mut Vec<u8>) -> Outcome {
    let head = Head {
        status: error.status,
        content_type: "text/plain; charset=utf-8",
        keep_alive: false,
        version: Version::Http11,
        head_only: false,
        allow: error.status == Status::METHOD_NOT_ALLOWED,
    };
    let body = plain(error.status, &error.message);
    write_response(out, &head, body.as_bytes());
    Outcome {
        status: error.status,
        keep_alive: false,
    }
}

/// A one-line plain-text error body: `404 Not Found: what was wrong`.
fn plain(status: Status, message: &str) -> String {
    format!("{} {}: {message}\n", status.0, status.reason())
}

//! The soak's clients when they speak HTTP/1.1 to chapter 21's server
//! (`bench soak --server ch21-ghetto-loop`): the same kinds of client as
//! the echo soak's, each request `GET /` and each answer read whole.
//!
//! Responses are framed by the capstone's own [`ResponseReader`] (the
//! fetcher's, which knows that this server always sends `Content-Length`),
//! so the soak checks the framing the app promises rather than a second
//! parser's idea of it. A response counts only if it is complete, its
//! status is 200, and, on a kept-alive connection, it does not announce a
//! close.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::Duration;

use ch21_capstone::app::fetch::ResponseReader;

/// The one request every client sends: the app's short text page, kept
/// alive (HTTP/1.1's default).
pub const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: soak\r\n\r\n";

/// How many pipelined requests a slow reader sends for `slow_bytes`: about
/// one per 256 bytes, so its answers fill the socket buffers many times
/// over.
pub fn slow_requests(slow_bytes: usize) -> usize {
    (slow_bytes / 256).max(1)
}

/// One request and its whole answer, the connection kept alive.
pub fn round_trip(mut stream: &TcpStream) -> io::Result<()> {
    stream.write_all(REQUEST)?;
    let mut reader = ResponseReader::default();
    read_responses(stream, &mut reader, 1, true, None)
}

/// A few requests one after another on one kept-alive connection.
pub fn polite(stream: &TcpStream) -> io::Result<()> {
    for _ in 0..3 {
        round_trip(stream)?;
    }
    Ok(())
}

/// What a client about to reset sends and never reads the answers to.
pub fn unread_requests() -> Vec<u8> {
    REQUEST.repeat(16)
}

/// A request, then `shutdown(SHUT_WR)`: its whole answer must come back,
/// then end-of-file (the server may or may not say it closes: the client
/// has said it sends no more).
pub fn half_close(mut stream: &TcpStream) -> io::Result<()> {
    stream.write_all(REQUEST)?;
    stream.shutdown(Shutdown::Write)?;
    let mut reader = ResponseReader::default();
    read_responses(stream, &mut reader, 1, false, None)?;
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest)?;
    if !rest.is_empty() {
        return Err(io::Error::other(format!(
            "after a half-close, {} bytes after the one answer",
            rest.len()
        )));
    }
    Ok(())
}

/// Pipelines `n` requests from one thread while this one reads the answers
/// 4 KiB at a time with a pause in between: the server's writes meet a
/// full socket buffer and it must stop reading requests, not drop answers
/// or block its other connections.
pub fn slow_reader(stream: &TcpStream, n: usize) -> io::Result<()> {
    let mut writer = stream.try_clone()?;
    let sender = thread::spawn(move || writer.write_all(&REQUEST.repeat(n)));
    let mut reader = ResponseReader::default();
    let read = read_responses(
        stream,
        &mut reader,
        n,
        true,
        Some(Duration::from_micros(200)),
    );
    let sent = sender
        .join()
        .map_err(|_| io::Error::other("the slow reader's sender panicked"))?;
    read.and(sent)
}

/// Reads until `n` complete answers came, each a 200 (and, if `alive`, none
/// announcing a close). With `pace`, reads at most 4 KiB at a time and
/// sleeps that long after each read.
fn read_responses(
    mut stream: &TcpStream,
    reader: &mut ResponseReader,
    n: usize,
    alive: bool,
    pace: Option<Duration>,
) -> io::Result<()> {
    let mut got = 0;
    while got < n {
        match reader.next_response().map_err(io::Error::other)? {
            Some(head) if head.status != 200 => {
                return Err(io::Error::other(format!(
                    "answer {got} of {n} is a {}, not a 200",
                    head.status
                )));
            }
            Some(head) if alive && head.close => {
                return Err(io::Error::other(format!(
                    "answer {got} of {n} closes a kept-alive connection"
                )));
            }
            Some(_) => got += 1,
            None => {
                let spare = reader.spare();
                let limit = if pace.is_some() {
                    spare.len().min(4096)
                } else {
                    spare.len()
                };
                match stream.read(&mut spare[..limit])? {
                    0 => {
                        return Err(io::Error::other(format!("EOF after {got} of {n} answers")));
                    }
                    read => reader.filled(read),
                }
                if let Some(pause) = pace {
                    thread::sleep(pause);
                }
            }
        }
    }
    Ok(())
}

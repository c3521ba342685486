// Exercise 15-1: an async `read_line` on the reactor (reference solution).

use std::io;

use ghetto_loop::net::TcpStream;

/// How much one `read` asks the socket for.
pub const CHUNK: usize = 4096;

/// Reads lines from a stream. What a read brings beyond the line it
/// returns is kept for the next call.
#[derive(Debug)]
pub struct LineReader {
    /// Bytes read from the socket and not returned yet: the start of the
    /// next line, or several lines.
    buffer: Vec<u8>,
    /// The longest line accepted, in bytes, not counting its `\n`.
    max: usize,
}

impl LineReader {
    /// A reader that accepts lines of up to `max` bytes.
    pub fn new(max: usize) -> LineReader {
        LineReader {
            buffer: Vec::new(),
            max,
        }
    }

    /// The next line from `stream`, without its `\n`; `None` at
    /// end-of-file. A last line without a `\n` is returned as a line.
    ///
    /// Errors: `InvalidData` for a line of more than `max` bytes (as soon
    /// as that many bytes have come without a `\n`) and for a line that is
    /// not UTF-8; the stream's own errors.
    ///
    /// Cancel safe: bytes join the buffer only once a read returned them,
    /// so a dropped call loses nothing.
    pub async fn read_line(&mut self, stream: &TcpStream) -> io::Result<Option<String>> {
        // Where to start looking for a `\n`: the bytes before it were
        // searched by an earlier turn of the loop.
        let mut searched = 0;
        loop {
            if let Some(i) = self.buffer[searched..].iter().position(|&b| b == b'\n') {
                let end = searched + i;
                if end > self.max {
                    return Err(too_long(self.max));
                }
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                line.pop();
                return text(line).map(Some);
            }
            if self.buffer.len() > self.max {
                return Err(too_long(self.max));
            }
            searched = self.buffer.len();
            let mut chunk = [0u8; CHUNK];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                if self.buffer.is_empty() {
                    return Ok(None);
                }
                let last = std::mem::take(&mut self.buffer);
                return text(last).map(Some);
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

fn too_long(max: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("line longer than {max} bytes"),
    )
}

fn text(line: Vec<u8>) -> io::Result<String> {
    String::from_utf8(line)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "line is not UTF-8"))
}

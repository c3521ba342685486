// Exercise 15-1: an async `read_line` on the reactor. See README.md.

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
    pub async fn read_line(&mut self, stream: &TcpStream) -> io::Result<Option<String>> {
        todo!("find a line in the buffer, or read more into it")
    }
}

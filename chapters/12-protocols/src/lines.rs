//! Splitting a byte stream into lines, with a length limit (chapter 12).
//!
//! TCP delivers a stream of bytes, not messages: one `data_received` may hold
//! half a line, or three lines and a bit. A line protocol keeps the
//! unfinished part until its newline arrives. Two kinds of bad input are
//! caught here, so that no client can make the server misbehave:
//!
//! * A line longer than the limit is reported as soon as the limit is
//!   passed, and the rest of it is thrown away as it arrives: a client that
//!   sends a gigabyte without a newline costs the server `max` bytes, not a
//!   gigabyte.
//! * A line that is not UTF-8 is reported instead of being passed on.

/// One thing found in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A complete line, without its `\n` (or `\r\n`).
    Line(String),
    /// A line went over the limit; it is being discarded up to its newline.
    TooLong,
    /// A complete line that is not valid UTF-8; discarded.
    NotUtf8,
}

/// Keeps the unfinished line between chunks.
#[derive(Debug)]
pub struct LineSplitter {
    /// The longest line accepted, in bytes, newline not counted.
    max: usize,
    /// The start of the current line, not yet ended by a newline. Never
    /// longer than `max`.
    partial: Vec<u8>,
    /// The current line went over `max` (and was reported): throw the rest
    /// away until its newline.
    discarding: bool,
}

impl LineSplitter {
    /// A splitter that accepts lines of up to `max` bytes.
    pub fn new(max: usize) -> LineSplitter {
        LineSplitter {
            max,
            partial: Vec::new(),
            discarding: false,
        }
    }

    /// Feeds the next chunk of the stream; calls `found` for every piece
    /// it completes, in order.
    ///
    /// ```
    /// use ch12_protocols::lines::{LineSplitter, Piece};
    ///
    /// let mut lines = LineSplitter::new(8);
    /// let mut got = Vec::new();
    /// lines.feed(b"hel", |p| got.push(p));
    /// lines.feed(b"lo\nthis one is too long\nok\r\n", |p| got.push(p));
    /// assert_eq!(got, [
    ///     Piece::Line("hello".into()),
    ///     Piece::TooLong,
    ///     Piece::Line("ok".into()),
    /// ]);
    /// ```
    pub fn feed(&mut self, mut data: &[u8], mut found: impl FnMut(Piece)) {
        while !data.is_empty() {
            let newline = data.iter().position(|&b| b == b'\n');
            if self.discarding {
                match newline {
                    Some(i) => {
                        self.discarding = false;
                        data = &data[i + 1..];
                        continue;
                    }
                    None => return,
                }
            }
            let Some(i) = newline else {
                // No end in sight: keep it, unless it is already too long.
                if self.partial.len() + data.len() > self.max {
                    self.partial.clear();
                    self.discarding = true;
                    found(Piece::TooLong);
                } else {
                    self.partial.extend_from_slice(data);
                }
                return;
            };
            let (line, rest) = (&data[..i], &data[i + 1..]);
            data = rest;
            if self.partial.len() + line.len() > self.max {
                self.partial.clear();
                found(Piece::TooLong);
                continue;
            }
            self.partial.extend_from_slice(line);
            let mut line = std::mem::take(&mut self.partial);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            found(match String::from_utf8(line) {
                Ok(text) => Piece::Line(text),
                Err(_) => Piece::NotUtf8,
            });
        }
    }

    /// Bytes of an unfinished line held right now.
    pub fn pending(&self) -> usize {
        self.partial.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(max: usize, chunks: &[&[u8]]) -> (Vec<Piece>, usize) {
        let mut lines = LineSplitter::new(max);
        let mut got = Vec::new();
        for chunk in chunks {
            lines.feed(chunk, |p| got.push(p));
        }
        (got, lines.pending())
    }

    #[test]
    fn lines_split_across_chunks_and_several_per_chunk() {
        let (got, pending) = feed_all(100, &[b"a", b"b\ncd", b"\n\nef\ngh"]);
        assert_eq!(
            got,
            [
                Piece::Line("ab".into()),
                Piece::Line("cd".into()),
                Piece::Line("".into()),
                Piece::Line("ef".into()),
            ]
        );
        assert_eq!(pending, 2, "\"gh\" waits for its newline");
    }

    #[test]
    fn a_long_line_is_reported_once_and_its_rest_discarded() {
        let long = vec![b'x'; 50];
        let (got, pending) = feed_all(10, &[&long, &long, b"xx\nok\n"]);
        assert_eq!(got, [Piece::TooLong, Piece::Line("ok".into())]);
        assert_eq!(pending, 0);
        // Exactly at the limit is fine; one more is not.
        let (got, _) = feed_all(3, &[b"abc\nabcd\n"]);
        assert_eq!(got, [Piece::Line("abc".into()), Piece::TooLong]);
    }

    #[test]
    fn memory_stays_bounded_whatever_the_client_sends() {
        let mut lines = LineSplitter::new(1024);
        let chunk = vec![b'y'; 64 * 1024];
        let mut reports = 0;
        for _ in 0..100 {
            lines.feed(&chunk, |_| reports += 1);
            assert!(lines.pending() <= 1024);
        }
        assert_eq!(reports, 1);
    }

    #[test]
    fn invalid_utf8_is_reported_and_crlf_is_accepted() {
        let (got, _) = feed_all(100, &[b"caf\xe9\n", b"caf\xc3\xa9\r\n"]);
        assert_eq!(got, [Piece::NotUtf8, Piece::Line("café".into())]);
    }
}

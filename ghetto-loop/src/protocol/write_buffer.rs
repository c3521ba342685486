//! A transport's write buffer and its water marks (chapter 12).
//!
//! What the protocol wrote and the socket has not taken yet waits here, in
//! order. Two marks turn its size into flow control: over the high-water
//! mark the protocol should pause writing, and only once the buffer drains
//! to the low-water mark may it resume (asyncio's defaults: 64 KiB and a
//! quarter of that). The gap between the marks keeps a protocol from being
//! told pause, resume, pause... on every few bytes.

use std::collections::VecDeque;
use std::io;

use crate::sys::Socket;

/// The default high-water mark of the write buffer: over it, the protocol
/// is asked to pause writing. The low-water mark defaults to a quarter.
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// Bytes waiting for room in the socket, and whether the protocol should be
/// paused because of them.
#[derive(Debug)]
pub(super) struct WriteBuffer {
    /// Written by the protocol, not yet taken by the socket, in order.
    bytes: VecDeque<u8>,
    /// Over this many buffered bytes, the protocol should pause writing.
    high: usize,
    /// At or under this many, it may resume.
    low: usize,
    /// Whether the protocol should be paused now: the buffer went over
    /// `high` and has not drained to `low` since. The transport tells the
    /// protocol when this changes.
    want_paused: bool,
}

impl WriteBuffer {
    /// An empty buffer with the default marks.
    pub(super) fn new() -> WriteBuffer {
        WriteBuffer {
            bytes: VecDeque::new(),
            high: DEFAULT_HIGH_WATER,
            low: DEFAULT_HIGH_WATER / 4,
            want_paused: false,
        }
    }

    /// How many bytes wait.
    pub(super) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing waits.
    pub(super) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether the protocol should be paused now.
    pub(super) fn wants_paused(&self) -> bool {
        self.want_paused
    }

    /// Queues `data` behind what already waits.
    pub(super) fn push(&mut self, data: &[u8]) {
        self.bytes.extend(data);
        if self.bytes.len() > self.high {
            self.want_paused = true;
        }
    }

    /// Throws away what waits (an abort). Whether the protocol should be
    /// paused is left as it is: the connection is ending, and the protocol
    /// hears `connection_lost` next.
    pub(super) fn clear(&mut self) {
        self.bytes = VecDeque::new();
    }

    /// Sends as much as `socket` takes. `Ok(true)` when everything went,
    /// `Ok(false)` when the socket is full again (`WouldBlock`).
    pub(super) fn send_to(&mut self, socket: &Socket) -> io::Result<bool> {
        let outcome = loop {
            let (front, _) = self.bytes.as_slices();
            if front.is_empty() {
                break Ok(true);
            }
            match socket.write(front) {
                Ok(n) => {
                    self.bytes.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(false),
                Err(e) => break Err(e),
            }
        };
        if self.want_paused && self.bytes.len() <= self.low {
            self.want_paused = false;
        }
        outcome
    }

    /// Sets the marks; `low` defaults to a quarter of `high`.
    /// `InvalidInput` if `low > high`.
    pub(super) fn set_limits(&mut self, high: usize, low: Option<usize>) -> io::Result<()> {
        let low = low.unwrap_or(high / 4);
        if low > high {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the low-water mark ({low}) must not be above the high-water mark ({high})"
                ),
            ));
        }
        self.high = high;
        self.low = low;
        let size = self.bytes.len();
        if size > high {
            self.want_paused = true;
        } else if size <= low {
            self.want_paused = false;
        }
        Ok(())
    }

    /// The high- and low-water marks.
    pub(super) fn limits(&self) -> (usize, usize) {
        (self.high, self.low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_high_asks_to_pause_and_only_low_lifts_it() -> io::Result<()> {
        let mut buffer = WriteBuffer::new();
        buffer.set_limits(10, Some(4))?;
        buffer.push(&[0; 10]);
        assert!(!buffer.wants_paused(), "at the mark is not over it");
        buffer.push(&[0; 1]);
        assert!(buffer.wants_paused());
        // Lowering the marks under the size keeps it paused; raising the
        // low mark to the size lifts it.
        buffer.set_limits(8, Some(2))?;
        assert!(buffer.wants_paused());
        buffer.set_limits(20, Some(11))?;
        assert!(!buffer.wants_paused());
        Ok(())
    }

    #[test]
    fn a_low_mark_above_the_high_one_is_refused() {
        let mut buffer = WriteBuffer::new();
        let error = buffer.set_limits(10, Some(11)).expect_err("low > high");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            buffer.limits(),
            (DEFAULT_HIGH_WATER, DEFAULT_HIGH_WATER / 4)
        );
    }
}

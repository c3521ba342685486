//! A read buffer for a byte stream: read into its spare room, consume what
//! was parsed, keep the rest (chapter 21).
//!
//! TCP hands over bytes in chunks that need not match messages: a read may
//! end mid-request or hold three. The buffer keeps the unconsumed bytes in
//! place and moves them to the front only when the free room runs short,
//! so a connection reuses one allocation for its whole life.

/// How much free room a read is offered at least.
const MIN_ROOM: usize = 512;

/// Bytes read and not yet consumed, in one reused allocation.
#[derive(Debug)]
pub struct ReadBuffer {
    /// The storage; `bytes[start..end]` is unconsumed data.
    bytes: Vec<u8>,
    start: usize,
    end: usize,
    /// The storage never grows past this.
    cap: usize,
}

impl ReadBuffer {
    /// An empty buffer that starts small and grows up to `cap` bytes.
    pub fn new(cap: usize) -> ReadBuffer {
        let cap = cap.max(MIN_ROOM);
        ReadBuffer {
            bytes: vec![0; cap.min(4096)],
            start: 0,
            end: 0,
            cap,
        }
    }

    /// The free room to read into; call [`filled`](ReadBuffer::filled)
    /// with how much was read. Empty only if `cap` bytes are unconsumed,
    /// which a parser with a limit below `cap` never lets happen.
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.bytes.len() - self.end < MIN_ROOM {
            if self.start > 0 {
                self.bytes.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.bytes.len() - self.end < MIN_ROOM && self.bytes.len() < self.cap {
                let grown = (self.bytes.len() * 2).min(self.cap);
                self.bytes.resize(grown, 0);
            }
        }
        &mut self.bytes[self.end..]
    }

    /// Marks `n` more bytes of the spare room as read.
    pub fn filled(&mut self, n: usize) {
        debug_assert!(self.end + n <= self.bytes.len());
        self.end += n;
    }

    /// Copies `data` in (for tests and tools; a server reads into
    /// [`spare`](ReadBuffer::spare) instead). Returns how much fitted.
    pub fn feed(&mut self, data: &[u8]) -> usize {
        let room = self.spare();
        let n = room.len().min(data.len());
        room[..n].copy_from_slice(&data[..n]);
        self.filled(n);
        n
    }

    /// The unconsumed bytes.
    pub fn data(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// Drops the first `n` unconsumed bytes.
    pub fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.end - self.start);
        self.start += n;
    }

    /// Whether nothing is left unconsumed.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

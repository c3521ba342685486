// Exercise 12-1: a line protocol, with a limit and backpressure (reference
// solution).

use std::io;

use ghetto_loop::protocol::{Protocol, Transport};

/// Splits a connection's bytes into lines and hands each to `on_line`.
pub struct Lines<H> {
    /// Called with the transport (to reply) and each line, without its `\n`.
    on_line: H,
    /// The longest line accepted, in bytes.
    max: usize,
    /// The connection; `None` before `connection_made` and after
    /// `connection_lost`.
    transport: Option<Transport>,
    /// The start of a line whose `\n` has not arrived yet.
    partial: Vec<u8>,
    /// The current line went over `max` and was answered with an error:
    /// drop what arrives up to its `\n`.
    discarding: bool,
}

impl<H: FnMut(&Transport, &str)> Lines<H> {
    /// A protocol that accepts lines of up to `max` bytes.
    pub fn new(max: usize, on_line: H) -> Lines<H> {
        Lines {
            on_line,
            max,
            transport: None,
            partial: Vec::new(),
            discarding: false,
        }
    }

    /// One complete line (`partial` + `rest`, before its `\n`).
    fn line(&mut self, transport: &Transport, rest: &[u8]) {
        if self.discarding {
            self.discarding = false;
            return;
        }
        if self.partial.len() + rest.len() > self.max {
            self.partial.clear();
            transport.write(b"error: line too long\n");
            return;
        }
        self.partial.extend_from_slice(rest);
        let mut line = std::mem::take(&mut self.partial);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        match String::from_utf8(line) {
            Ok(line) => (self.on_line)(transport, &line),
            Err(_) => transport.write(b"error: not UTF-8\n"),
        }
    }
}

impl<H: FnMut(&Transport, &str)> Protocol for Lines<H> {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, mut data: &[u8]) {
        let Some(transport) = self.transport.clone() else {
            return;
        };
        while let Some(i) = data.iter().position(|&b| b == b'\n') {
            self.line(&transport, &data[..i]);
            data = &data[i + 1..];
        }
        if self.discarding {
            return;
        }
        if self.partial.len() + data.len() > self.max {
            self.partial.clear();
            self.discarding = true;
            transport.write(b"error: line too long\n");
        } else {
            self.partial.extend_from_slice(data);
        }
    }

    fn connection_lost(&mut self, _error: Option<io::Error>) {
        self.transport = None;
    }

    fn pause_writing(&mut self) {
        if let Some(t) = &self.transport {
            t.pause_reading();
        }
    }

    fn resume_writing(&mut self) {
        if let Some(t) = &self.transport {
            t.resume_reading();
        }
    }
}

// Debug by hand: the handler is a closure, which has no Debug.
impl<H> std::fmt::Debug for Lines<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lines")
            .field("max", &self.max)
            .field("transport", &self.transport)
            .field("partial", &self.partial.len())
            .field("discarding", &self.discarding)
            .finish()
    }
}

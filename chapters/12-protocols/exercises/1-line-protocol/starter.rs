// Exercise 12-1: a line protocol, with a limit and backpressure. See README.md.

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
}

impl<H: FnMut(&Transport, &str)> Protocol for Lines<H> {
    fn connection_made(&mut self, transport: Transport) {
        todo!("keep the transport")
    }

    fn data_received(&mut self, data: &[u8]) {
        todo!("split into lines; errors for too long and not UTF-8")
    }

    fn connection_lost(&mut self, _error: Option<io::Error>) {
        self.transport = None;
    }

    fn pause_writing(&mut self) {
        todo!("stop reading the client's requests")
    }

    fn resume_writing(&mut self) {
        todo!("read them again")
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

// Exercise 03-1: one non-blocking echo step. See README.md.

use std::io;

use ghetto_loop::sys::Socket;

/// The most one `poll` reads.
pub const CHUNK: usize = 4096;

/// What one call to [`Echo::poll`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Some bytes were read or written.
    Worked,
    /// Nothing could be read or written right now.
    Idle,
    /// The client closed its side, and nothing is owed to it.
    Closed,
}

/// One client of a polling echo server.
#[derive(Debug)]
pub struct Echo {
    /// The connection, non-blocking.
    socket: Socket,
    /// Read from the client, not yet written back.
    unsent: Vec<u8>,
}

impl Echo {
    /// Takes over `socket` and makes it non-blocking.
    pub fn new(socket: Socket) -> io::Result<Echo> {
        socket.set_nonblocking(true)?;
        Ok(Echo {
            socket,
            unsent: Vec::new(),
        })
    }

    /// How many bytes are owed to the client.
    pub fn unsent(&self) -> usize {
        self.unsent.len()
    }

    /// One step: read if nothing is owed, then write back what the kernel
    /// takes. Never waits.
    pub fn poll(&mut self) -> io::Result<Progress> {
        todo!("read once if unsent is empty, then write what you can; WouldBlock is not an error")
    }
}

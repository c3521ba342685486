// Exercise 03-1, the reference solution. Compare it with `Client::turn` in
// the chapter's src/server.rs.

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
        let mut worked = false;
        // Read only when we owe nothing: backpressure.
        if self.unsent.is_empty() {
            let mut buf = [0u8; CHUNK];
            match self.socket.read(&mut buf) {
                Ok(0) => return Ok(Progress::Closed),
                Ok(n) => {
                    self.unsent.extend_from_slice(&buf[..n]);
                    worked = true;
                }
                // Nothing has arrived yet: ask again next time.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        while !self.unsent.is_empty() {
            match self.socket.write(&self.unsent) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    // Possibly only part of it: the rest stays for later.
                    self.unsent.drain(..n);
                    worked = true;
                }
                // The client's buffers are full: it is not reading.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        Ok(if worked {
            Progress::Worked
        } else {
            Progress::Idle
        })
    }
}

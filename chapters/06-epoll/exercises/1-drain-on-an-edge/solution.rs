// Exercise 06-1, the reference solution: drain on an edge.

use std::io;

use ghetto_loop::sys::Socket;

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Nothing more to read for now (`WouldBlock`); the peer may send more.
    Open,
    /// The peer has finished sending (`read` returned 0).
    Closed,
}

/// Reads everything the non-blocking `conn` has right now into `into`.
pub fn drain(conn: &Socket, into: &mut Vec<u8>) -> io::Result<Drained> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return Ok(Drained::Closed),
            Ok(n) => into.extend_from_slice(&buf[..n]),
            // The kernel has nothing more: the edge is used up.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Drained::Open),
            Err(e) => return Err(e),
        }
    }
}

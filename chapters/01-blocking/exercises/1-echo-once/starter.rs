// Exercise 01-1: echo one client until it hangs up. See README.md.

use std::io;

use ghetto_loop::sys::Socket;

/// Reads from `conn` and writes everything back until the client closes its
/// side; returns how many bytes were echoed.
pub fn echo(conn: &Socket) -> io::Result<u64> {
    todo!("read until Ok(0), writing every byte back; count them")
}

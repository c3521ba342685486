// Exercise 01-1, the reference solution. Compare it with `echo` and
// `write_all` in the chapter's src/server.rs.

use std::io;

use ghetto_loop::sys::Socket;

/// Reads from `conn` and writes everything back until the client closes its
/// side; returns how many bytes were echoed.
pub fn echo(conn: &Socket) -> io::Result<u64> {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        // Blocks until the client sends something or hangs up.
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        // `write` may take only part of what it is given: go round until
        // all of it is gone.
        let mut left = &buf[..n];
        while !left.is_empty() {
            let written = conn.write(left)?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            left = &left[written..];
        }
        total += n as u64;
    }
}

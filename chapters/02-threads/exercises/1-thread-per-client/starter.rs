// Exercise 02-1: a thread per client, and join them all. See README.md.

use std::io;

use ghetto_loop::sys::Socket;

/// Accepts `clients` clients, echoes each on a thread of its own, and
/// returns when all have left: per client, in the order they were accepted,
/// how many bytes were echoed or the error the client ended with.
pub fn serve(listener: &Socket, clients: usize) -> io::Result<Vec<io::Result<u64>>> {
    todo!("accept, spawn a thread that echoes, repeat; then join them all")
}

/// Echoes one client until it hangs up (exercise 01-1's answer, given).
pub fn echo(conn: &Socket) -> io::Result<u64> {
    let mut buf = [0u8; 4096];
    let mut total = 0;
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        let mut left = &buf[..n];
        while !left.is_empty() {
            let written = conn.write(left)?;
            left = &left[written..];
        }
        total += n as u64;
    }
}

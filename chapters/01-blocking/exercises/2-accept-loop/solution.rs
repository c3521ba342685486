// Exercise 01-2, the reference solution. Compare it with `serve_next` in the
// chapter's src/server.rs, which also retries the `accept` errors that pass.

use std::io;

use ghetto_loop::sys::Socket;

/// Accepts `clients` clients one after another and echoes each until it
/// leaves. Returns, per client and in order, how many bytes were echoed or
/// the error the client ended with.
pub fn serve(listener: &Socket, clients: usize) -> io::Result<Vec<io::Result<u64>>> {
    let mut outcomes = Vec::with_capacity(clients);
    for _ in 0..clients {
        // Blocks until a client is queued. An error here is the listener's.
        let (conn, _peer) = listener.accept()?;
        // An error here is the client's: keep it and serve the next one.
        outcomes.push(echo(&conn));
        // `conn` is dropped here, closing the client's fd.
    }
    Ok(outcomes)
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

// Exercise 02-1, the reference solution. Compare it with `serve_next` in the
// chapter's src/server.rs, which detaches its threads instead of joining them
// (a server that runs forever has nobody to join them).

use std::io;
use std::thread;

use ghetto_loop::sys::Socket;

/// Accepts `clients` clients, echoes each on a thread of its own, and
/// returns when all have left: per client, in the order they were accepted,
/// how many bytes were echoed or the error the client ended with.
pub fn serve(listener: &Socket, clients: usize) -> io::Result<Vec<io::Result<u64>>> {
    // A scope joins every thread spawned in it before it returns, and lets
    // them borrow from here (they do not need to: each owns its socket).
    thread::scope(|scope| {
        let mut threads = Vec::with_capacity(clients);
        for _ in 0..clients {
            let (conn, _peer) = listener.accept()?;
            // The socket moves into the thread, which closes it when the
            // client is done.
            threads.push(scope.spawn(move || echo(&conn)));
        }
        Ok(threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("the client's thread panicked")))
            })
            .collect())
    })
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

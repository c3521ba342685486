//! The blocking echo server: one client at a time.

use std::io;
use std::net::SocketAddr;

use ghetto_loop::sys::Socket;

/// Echoes every client, one after another, until the listener fails.
pub fn serve_forever(listener: &Socket) -> io::Result<()> {
    loop {
        let (conn, _peer) = listener.accept()?;
        if let Err(e) = echo(&conn) {
            eprintln!("client error: {e}");
        }
    }
}

/// Echoes one client until it closes its side.
pub fn echo(conn: &Socket) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        let mut sent = 0;
        while sent < n {
            sent += conn.write(&buf[sent..n])?;
        }
    }
}

/// Binds `addr`, announces it, and serves.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let listener = Socket::listen(addr, 128)?;
    course::cli::announce_listening(listener.local_addr()?);
    serve_forever(&listener)?;
    Ok(())
}

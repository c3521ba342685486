//! Names to addresses with `getaddrinfo`, in the pool (chapter 19).
//!
//! `getaddrinfo` reads `/etc/hosts`, asks DNS servers and waits for them,
//! all inside one blocking C call with no fd to hand to a selector. So it
//! runs on a pool thread (what tokio and asyncio do too; a resolver written
//! on the loop, like c-ares or hickory, is the production alternative).

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use super::spawn_blocking;
use crate::net::TcpStream;

/// Resolves `host` (a name or an address) and `port` to socket addresses,
/// on a pool thread.
///
/// ```
/// use ghetto_loop::blocking::lookup_host;
///
/// let addrs = ghetto_loop::run(lookup_host("localhost", 80))??;
/// assert!(addrs.iter().any(|a| a.ip().is_loopback()));
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn lookup_host(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    let host = host.to_owned();
    let found = spawn_blocking(move || (host.as_str(), port).to_socket_addrs())
        .await
        .map_err(io::Error::other)??;
    let addrs: Vec<SocketAddr> = found.collect();
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "the name resolved to no address",
        ));
    }
    Ok(addrs)
}

impl TcpStream {
    /// Connects to `host:port`, a name resolved in the pool: tries each
    /// address in the order `getaddrinfo` gave, and returns the first that
    /// connects, or the last error.
    pub async fn connect_host(host: &str, port: u16) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in lookup_host(host, port).await? {
            match TcpStream::connect(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::ErrorKind::NotFound.into()))
    }
}

//! Every client's fd is closed when it leaves, however it leaves. (A file of
//! its own, so that no other test's sockets are counted.)

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;

use ch01_blocking::server;
use course::testing::{PATIENCE, open_fds};
use ghetto_loop::sys::Socket;

#[test]
fn served_clients_leave_no_open_fds_behind() -> std::io::Result<()> {
    let before = open_fds();
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    const CLIENTS: usize = 20;
    let server = thread::spawn(move || -> std::io::Result<()> {
        for _ in 0..CLIENTS {
            server::serve_next(&listener, &|_| {})?;
        }
        Ok(())
        // The listener is dropped (closed) here.
    });
    for i in 0..CLIENTS {
        let mut client = TcpStream::connect(addr)?;
        client.set_read_timeout(Some(PATIENCE))?;
        client.write_all(b"ping")?;
        if i % 2 == 0 {
            // Half leave politely and read the echo to the end...
            client.shutdown(std::net::Shutdown::Write)?;
            let mut echo = Vec::new();
            client.read_to_end(&mut echo)?;
            assert_eq!(echo, b"ping");
        }
        // ...the others just vanish (a reset, if the echo is unread).
    }
    server.join().expect("the server does not panic")?;
    assert_eq!(open_fds(), before, "fds leaked");
    Ok(())
}

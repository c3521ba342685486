//! Chapter 02's claims: with a thread per client, clients no longer wait for
//! each other (chapter 01's server fails the first test), and each client
//! costs a thread that lives exactly as long as its connection.

use std::io::{self};
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;

use ch02_threads::server;
use course::line_client::{LineClient, connect};
use ghetto_loop::sys::Socket;

fn start_server() -> io::Result<SocketAddr> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    thread::spawn(move || server::serve_forever(&listener, Arc::new(|_| {})));
    Ok(addr)
}

#[test]
fn fifty_clients_connected_at_once_all_get_their_echo() -> io::Result<()> {
    let addr = start_server()?;
    // Everyone connects and speaks before anyone listens for an answer. A
    // one-thread blocking server answers client 0 and then sits in its
    // `read`, so client 1's read would time out.
    let mut clients = (0..50)
        .map(|_| LineClient::connect(addr))
        .collect::<io::Result<Vec<_>>>()?;
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(&format!("client {i}"))?;
    }
    for (i, client) in clients.iter_mut().enumerate() {
        assert_eq!(client.next_line()?, format!("client {i}"));
    }
    Ok(())
}

#[test]
fn an_idle_client_does_not_hold_up_the_next() -> io::Result<()> {
    let addr = start_server()?;
    let idle = connect(addr)?;
    let mut busy = LineClient::connect(addr)?;
    assert_eq!(busy.ask("not waiting")?, "not waiting");
    drop(idle);
    Ok(())
}

//! The specification of exercise 15-2: do not edit; make it pass.

use std::collections::HashSet;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::pin::pin;
use std::task::{Context, Waker};
use std::thread;

use course::testing::PATIENCE;
use ex15_2_accept::Listener;
use ghetto_loop::event_loop::EventLoop;

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Connects to `addr` after `PATIENCE`, and holds the connection a while.
fn guard(addr: SocketAddr) {
    thread::spawn(move || {
        thread::sleep(PATIENCE);
        let _held = TcpStream::connect(addr);
        thread::sleep(PATIENCE);
    });
}

#[test]
fn bind_makes_a_listening_non_blocking_socket() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let listener = Listener::bind(&lp, localhost())?;
    assert!(listener.socket().is_nonblocking()?, "set_nonblocking(true)");
    assert_ne!(listener.local_addr()?.port(), 0, "bound to a real port");
    Ok(())
}

#[test]
fn accept_returns_a_waiting_connection() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let listener = Listener::bind(&lp, localhost())?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (socket, peer) = lp.block_on(listener.accept())??;
    assert_eq!(peer, client.local_addr()?);
    assert!(socket.is_nonblocking()?, "use accept_nonblocking");
    Ok(())
}

#[test]
fn every_waiting_connection_is_accepted() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let listener = Listener::bind(&lp, localhost())?;
    let clients = (0..5)
        .map(|_| TcpStream::connect(listener.local_addr()?))
        .collect::<io::Result<Vec<_>>>()?;
    let mut peers = HashSet::new();
    for _ in 0..5 {
        peers.insert(lp.block_on(listener.accept())??.1);
    }
    let want = clients
        .iter()
        .map(|c| c.local_addr())
        .collect::<io::Result<HashSet<_>>>()?;
    assert_eq!(peers, want);
    Ok(())
}

/// With nobody connecting, a first poll says `Pending` at once: it does
/// not block, and does not loop until someone comes.
#[test]
fn accept_is_pending_while_nobody_connects() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let listener = Listener::bind(&lp, localhost())?;
    guard(listener.local_addr()?);
    let mut accept = pin!(listener.accept());
    let poll = accept
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
    assert!(poll.is_pending(), "{poll:?}");
    Ok(())
}

/// A task waits in `accept` while another task, on the same loop and
/// thread, connects: the reactor wakes the first when the listener
/// becomes readable.
#[test]
fn a_waiting_accept_is_woken_by_the_reactor() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let listener = Listener::bind(&lp, localhost())?;
    let addr = listener.local_addr()?;
    guard(addr);
    let accepted = lp.spawn(async move { listener.accept().await });
    let (peer, client) = lp.block_on(async {
        // Let the accepting task run first, and find nobody.
        ghetto_loop::task::yield_now().await;
        let client = ghetto_loop::net::TcpStream::connect(addr).await?;
        let (_socket, peer) = accepted.await.expect("the accepting task panicked")?;
        io::Result::Ok((peer, client))
    })??;
    assert_eq!(peer, client.local_addr()?);
    Ok(())
}

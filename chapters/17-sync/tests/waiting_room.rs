//! The `serve` command's waiting room: a FIFO line for the seats, a place
//! in line that survives lines typed while waiting, and a client who hangs
//! up in line leaving without a trace. Server and clients run on one loop.

use std::io;
use std::net::SocketAddr;

use ch17_sync::waiting_room::{Left, accept_loop};
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::sync::StreamExt;
use ghetto_loop::sync::mpsc;
use ghetto_loop::sync::stream::Lines;

/// A server with `seats` seats, and the receiver of how visits ended.
fn room(lp: &EventLoop, seats: usize) -> io::Result<(SocketAddr, mpsc::Receiver<String>)> {
    let listener = TcpListener::bind_on(&lp.handle(), "127.0.0.1:0".parse().unwrap())?;
    let addr = listener.local_addr()?;
    let (tx, rx) = mpsc::channel(16);
    lp.spawn(accept_loop(listener, seats, move |_, left| {
        let said = match left {
            Ok(Left::FromTheLine) => "left from the line".to_string(),
            Ok(Left::AfterBeingServed { lines }) => format!("served {lines} lines"),
            Err(e) => format!("failed: {e}"),
        };
        let _ = tx.try_send(said);
    }));
    Ok((addr, rx))
}

/// The next line the server sent.
async fn hear(lines: &mut Lines<'_>) -> String {
    lines.next().await.expect("a line").expect("no error")
}

#[test]
fn the_first_in_line_gets_the_seat_when_it_frees() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (addr, mut ends) = room(&lp, 1)?;
    lp.block_on(async {
        let a = TcpStream::connect(addr).await?;
        let mut from_a = Lines::new(&a);
        assert!(hear(&mut from_a).await.starts_with("your turn"));

        let b = TcpStream::connect(addr).await?;
        let mut from_b = Lines::new(&b);
        assert_eq!(
            hear(&mut from_b).await,
            "all 1 seats are taken; you are number 1 in line"
        );
        // Typing while in line does not cost the place.
        b.write_all(b"hello?\n").await?;
        assert!(hear(&mut from_b).await.starts_with("still in line"));

        a.write_all(b"hi\n").await?;
        assert_eq!(hear(&mut from_a).await, "echo: hi");
        drop(from_a);
        drop(a); // A leaves: the seat goes to B
        assert_eq!(ends.recv().await.unwrap(), "served 1 lines");

        assert!(hear(&mut from_b).await.starts_with("your turn"));
        b.write_all(b"at last\n").await?;
        assert_eq!(hear(&mut from_b).await, "echo: at last");
        Ok::<(), io::Error>(())
    })??;
    Ok(())
}

#[test]
fn hanging_up_in_line_leaves_the_line_and_the_next_moves_up() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (addr, mut ends) = room(&lp, 1)?;
    lp.block_on(async {
        let a = TcpStream::connect(addr).await?;
        let mut from_a = Lines::new(&a);
        assert!(hear(&mut from_a).await.starts_with("your turn"));
        let b = TcpStream::connect(addr).await?;
        let mut from_b = Lines::new(&b);
        assert!(hear(&mut from_b).await.ends_with("number 1 in line"));
        let c = TcpStream::connect(addr).await?;
        let mut from_c = Lines::new(&c);
        assert!(hear(&mut from_c).await.ends_with("number 2 in line"));

        drop(from_b);
        drop(b); // B hangs up while in line
        assert_eq!(ends.recv().await.unwrap(), "left from the line");

        drop(from_a);
        drop(a); // A leaves: C, not the departed B, is next
        assert_eq!(ends.recv().await.unwrap(), "served 0 lines");
        assert!(hear(&mut from_c).await.starts_with("your turn"));
        Ok::<(), io::Error>(())
    })??;
    Ok(())
}

//! `serve`: a line server with a few seats and a FIFO line (chapter 17).
//!
//! At most [`SEATS`] clients are served at a time; the seats are a
//! [`Semaphore`]. A client that comes while they are all taken is told its
//! place in line and waits there; when a seated client leaves, its permit
//! is handed to the first in line, who is told it is its turn. A seated
//! client's lines are read with the [`Lines`] stream and echoed back.
//!
//! A client may hang up while in line. To notice, the server races the
//! wait for a seat with a read, and here cancel safety matters twice:
//!
//! * The race must not drop the `acquire` future each time a line comes
//!   in, or the client would lose its place in line (a dropped acquire
//!   gives its place up). So the acquire is pinned once, outside the loop,
//!   and each race gets only `&mut` to it.
//! * When the read wins with end-of-file, the acquire *is* dropped, and the
//!   semaphore's cancel safety does the rest: the client leaves the queue,
//!   and if a seat had just been handed to it, the seat goes on to the next.
//!
//! Bytes a client types while in line are answered with a reminder and
//! not kept (a simplification; a real server would buffer them).

use std::cell::Cell;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;

use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::sync::stream::Lines;
use ghetto_loop::sync::{Semaphore, StreamExt};
use ghetto_loop::time::{Either, select};

/// How many clients `serve` serves at a time.
pub const SEATS: usize = 2;

/// The seats and the line, shared by every client's task.
#[derive(Debug)]
struct Room {
    seats: Semaphore,
    total: usize,
    /// Clients waiting now, for the "you are number k" message.
    in_line: Cell<usize>,
}

/// How a visit ended.
#[derive(Debug)]
pub enum Left {
    /// Hung up while waiting in line.
    FromTheLine,
    /// Was seated, then hung up.
    AfterBeingServed {
        /// How many lines were echoed.
        lines: usize,
    },
}

/// Binds `addr`, announces it, and serves until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let listener = TcpListener::bind_on(&lp, addr)?;
    course::cli::announce_listening(listener.local_addr()?);
    eprintln!(
        "waiting room on the {} selector: {SEATS} seats; connect more clients than that and the rest wait in line",
        lp.selector_name()
    );
    lp.block_on(accept_loop(listener, SEATS, |peer, left| {
        eprintln!("{peer}: {left:?}");
    }))??;
    Ok(())
}

/// Accepts clients forever, one task each, with `seats` seats, and tells
/// `on_end` how each visit ended.
pub async fn accept_loop(
    listener: TcpListener,
    seats: usize,
    on_end: impl Fn(SocketAddr, io::Result<Left>) + 'static,
) -> io::Result<()> {
    let lp = LoopHandle::current();
    let room = Rc::new(Room {
        seats: Semaphore::new(seats),
        total: seats,
        in_line: Cell::new(0),
    });
    let on_end = Rc::new(on_end);
    loop {
        let (stream, peer) = listener.accept().await?;
        let (room, on_end) = (room.clone(), on_end.clone());
        lp.spawn(async move { on_end(peer, visit(&stream, &room).await) });
    }
}

/// One client: a seat (after the line, if need be), then echo until it
/// hangs up.
async fn visit(stream: &TcpStream, room: &Room) -> io::Result<Left> {
    let permit = match room.seats.try_acquire() {
        Ok(permit) => permit,
        Err(_) => {
            room.in_line.set(room.in_line.get() + 1);
            let place = room.in_line.get();
            let said = format!(
                "all {} seats are taken; you are number {place} in line\n",
                room.total
            );
            let waited = wait_in_line(stream, room, said).await;
            room.in_line.set(room.in_line.get() - 1);
            match waited? {
                Some(permit) => permit,
                None => return Ok(Left::FromTheLine),
            }
        }
    };
    stream
        .write_all(b"your turn: a seat is yours; type lines, I echo them\n")
        .await?;
    let mut lines = Lines::new(stream);
    let mut served = 0;
    while let Some(line) = lines.next().await {
        stream
            .write_all(format!("echo: {}\n", line?).as_bytes())
            .await?;
        served += 1;
    }
    drop(permit); // the seat goes to the first in line
    Ok(Left::AfterBeingServed { lines: served })
}

/// Waits for a seat while watching the socket: the permit, or `None` if the
/// client hung up first.
async fn wait_in_line<'a>(
    stream: &TcpStream,
    room: &'a Room,
    said: String,
) -> io::Result<Option<ghetto_loop::sync::Permit<'a>>> {
    stream.write_all(said.as_bytes()).await?;
    // Pinned once: each race below borrows it, so a line that comes in
    // does not cost the client its place.
    let mut seat = pin!(room.seats.acquire());
    let mut buf = [0u8; 1024];
    loop {
        match select(seat.as_mut(), stream.read(&mut buf)).await {
            Either::Left(permit) => {
                return Ok(Some(permit.expect("the room never closes its seats")));
            }
            // Hung up (or reset): `seat` is dropped on return, which
            // takes this client out of the line.
            Either::Right(Ok(0)) => return Ok(None),
            Either::Right(Err(e)) => return Err(e),
            Either::Right(Ok(_)) => {
                stream
                    .write_all(b"still in line; that was not read, wait for your turn\n")
                    .await?;
            }
        }
    }
}

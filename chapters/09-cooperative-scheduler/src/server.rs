//! `serve`: an echo server on the sleeping scheduler, polling each socket
//! between naps (chapter 09).
//!
//! This scheduler knows one way to wait: time. So a client task that finds
//! nothing to read yields `Sleep(POLL_INTERVAL)` and tries again when it
//! wakes up, which is chapter 03's polling, now one task per client. It
//! works, and it shows what is missing: every idle client wakes up
//! [`POLL_INTERVAL`]-ly for nothing, and every reply can be up to that late.
//! Chapter 10 yields "wake me when this socket is readable" instead, and the
//! scheduler asks the kernel.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ch08_generators::{Generator, GeneratorState};
use ghetto_loop::sys::Socket;

use crate::scheduler::{Call, Scheduler};

/// How long a task naps when its socket has nothing for it.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// Binds `addr`, prints `listening on ADDR`, and serves until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let listener = Socket::listen(addr, 1024)?;
    course::cli::announce_listening(listener.local_addr()?);
    serve_on(listener)?;
    Ok(())
}

/// Serves `listener` on this thread; runs as long as the acceptor does,
/// which is forever.
pub fn serve_on(listener: Socket) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut scheduler = Scheduler::new();
    scheduler.spawn(Box::new(Acceptor { listener }));
    scheduler.run();
    Ok(())
}

/// The task that accepts clients and spawns an [`Echo`] task for each.
struct Acceptor {
    /// Non-blocking.
    listener: Socket,
}

impl Generator for Acceptor {
    type Yield = Call;
    type Return = ();

    fn resume(&mut self, (): ()) -> GeneratorState<Call, ()> {
        match self.listener.accept() {
            Ok((conn, peer)) => match conn.set_nonblocking(true) {
                Ok(()) => GeneratorState::Yielded(Call::Spawn(Box::new(Echo::new(conn, peer)))),
                Err(e) => {
                    eprintln!("client {peer}: {e}");
                    GeneratorState::Yielded(Call::Sleep(Duration::ZERO))
                }
            },
            Err(e) => {
                // Out of fds (EMFILE), or a connection that died in the queue:
                // say so; either way, try again after a nap.
                if e.kind() != io::ErrorKind::WouldBlock {
                    eprintln!("accept failed: {e}; retrying");
                }
                GeneratorState::Yielded(Call::Sleep(POLL_INTERVAL))
            }
        }
    }
}

/// One client's echo loop as a generator.
///
/// ```python
/// def echo(conn):
///     while True:
///         data = conn.recv(4096)            # on "would block": yield sleep(POLL_INTERVAL)
///         if not data: return
///         while data:
///             data = data[conn.send(data):] # on "would block": yield sleep(POLL_INTERVAL)
///         yield sleep(0)                    # let the others have a turn
/// ```
struct Echo {
    /// Non-blocking.
    conn: Socket,
    /// For error messages.
    peer: SocketAddr,
    /// What was read and is being written back.
    buf: Box<[u8; 4096]>,
    /// How much of `buf` holds data.
    len: usize,
    /// How much of that is written back already.
    written: usize,
    /// Where the loop is.
    state: EchoState,
}

/// Where an [`Echo`] is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EchoState {
    /// Waiting for data (or napping before the next read).
    Reading,
    /// Writing `buf[written..len]` back.
    Writing,
    /// Completed.
    Done,
}

impl Echo {
    fn new(conn: Socket, peer: SocketAddr) -> Echo {
        Echo {
            conn,
            peer,
            buf: Box::new([0; 4096]),
            len: 0,
            written: 0,
            state: EchoState::Reading,
        }
    }

    /// Ends the task, reporting `error` if there was one.
    fn finish(&mut self, error: Option<io::Error>) -> GeneratorState<Call, ()> {
        if let Some(e) = error {
            eprintln!("client {}: {e}", self.peer);
        }
        self.state = EchoState::Done;
        GeneratorState::Complete(())
    }
}

impl Generator for Echo {
    type Yield = Call;
    type Return = ();

    fn resume(&mut self, (): ()) -> GeneratorState<Call, ()> {
        loop {
            match self.state {
                EchoState::Reading => match self.conn.read(&mut self.buf[..]) {
                    Ok(0) => return self.finish(None),
                    Ok(n) => {
                        (self.len, self.written) = (n, 0);
                        self.state = EchoState::Writing;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        return GeneratorState::Yielded(Call::Sleep(POLL_INTERVAL));
                    }
                    Err(e) => return self.finish(Some(e)),
                },
                EchoState::Writing => match self.conn.write(&self.buf[self.written..self.len]) {
                    Ok(n) => {
                        self.written += n;
                        if self.written == self.len {
                            self.state = EchoState::Reading;
                            // A client that keeps sending would otherwise keep
                            // this loop going forever: cooperative means
                            // giving the others a turn even when busy.
                            return GeneratorState::Yielded(Call::Sleep(Duration::ZERO));
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        return GeneratorState::Yielded(Call::Sleep(POLL_INTERVAL));
                    }
                    Err(e) => return self.finish(Some(e)),
                },
                EchoState::Done => panic!("echo task resumed after it completed"),
            }
        }
    }
}

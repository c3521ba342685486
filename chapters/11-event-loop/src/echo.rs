//! The callback echo server: every step is a callback the loop calls when
//! an fd is ready (chapter 11).
//!
//! Chapter 10 wrote a connection as one generator that yields "wait until
//! fd is readable" and is resumed there. Here there is nothing to resume:
//! each wait ends a function, and what should happen next is a callback
//! registered with the loop. A connection's state lives in an `Rc` that its
//! callbacks share, instead of in local variables of a suspended function.
//!
//! ```text
//!   listener readable  -> on_acceptable: accept, add a reader for the new socket
//!   socket readable    -> on_readable:   read; write back what the socket takes;
//!                                        keep the rest and wait for writable
//!   socket writable    -> on_writable:   write the rest; then read again
//!   read returns 0     -> close:         remove the callbacks; the socket closes
//! ```
//!
//! The buffering of partial writes and the "stop reading while a reply is
//! stuck" are done by hand, and would be done again by every server written
//! this way: chapter 12's transports do them once.

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::{EventLoop, LoopHandle, Report};
use ghetto_loop::sys::Socket;

/// The listen backlog: the kernel queues this many connections that the
/// server has not accepted yet.
pub const BACKLOG: i32 = 1024;

/// How long the server stops accepting after `accept` failed (say, out of
/// fds), so that a listener that stays readable does not spin the loop.
pub const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Binds `addr`, announces it, and echoes every client until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    // One fd per client: many clients need more than the usual 1,024.
    ghetto_loop::sys::raise_fd_limit()?;
    let lp = EventLoop::new()?;
    let listener = Socket::listen(addr, BACKLOG)?;
    course::cli::announce_listening(listener.local_addr()?);
    eprintln!(
        "callback echo server on the {} selector",
        lp.selector_name()
    );
    start(&lp, listener)?;
    lp.run_forever()?;
    Ok(())
}

/// Starts echoing every client that connects to `listener`, on `lp`. The
/// server runs as long as the loop does.
pub fn start(lp: &LoopHandle, listener: Socket) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    watch_listener(lp, Rc::new(listener))
}

fn watch_listener(lp: &LoopHandle, listener: Rc<Socket>) -> io::Result<()> {
    let (lp2, listener2) = (lp.clone(), listener.clone());
    lp.add_reader(&*listener, move || on_acceptable(&lp2, &listener2))
}

/// The listener is readable: accept every connection that is waiting.
fn on_acceptable(lp: &LoopHandle, listener: &Rc<Socket>) {
    loop {
        match listener.accept() {
            Ok((socket, _peer)) => {
                if let Err(e) = Connection::start(lp, socket) {
                    lp.report(Report::error("echo server: dropping a new connection", &e));
                }
            }
            // Nobody else is waiting.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            // That client gave up before we accepted it.
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
            Err(e) => {
                // Out of fds, most likely. The waiting client stays in the
                // backlog, so the listener stays readable: stop watching it
                // for a while, or the loop would call us again at once.
                lp.report(Report::error(
                    format!(
                        "echo server: accept failed; not accepting for {} ms",
                        ACCEPT_RETRY.as_millis()
                    ),
                    &e,
                ));
                let _ = lp.remove_reader(&**listener);
                let (lp2, listener2) = (lp.clone(), listener.clone());
                lp.call_later(ACCEPT_RETRY, move || {
                    if let Err(e) = watch_listener(&lp2, listener2) {
                        lp2.report(Report::error("echo server: cannot watch the listener", &e));
                    }
                });
                return;
            }
        }
    }
}

/// One client. Its callbacks share it through an `Rc`; when the last
/// callback is removed, the `Rc` goes, and with it the socket.
struct Connection {
    socket: Socket,
    /// What the socket did not take yet. While it is not empty the server
    /// does not read: a client that sends and never reads cannot make it
    /// buffer without bound.
    unsent: RefCell<Vec<u8>>,
}

impl Connection {
    fn start(lp: &LoopHandle, socket: Socket) -> io::Result<()> {
        socket.set_nonblocking(true)?;
        socket.set_nodelay(true)?;
        let conn = Rc::new(Connection {
            socket,
            unsent: RefCell::new(Vec::new()),
        });
        conn.read_next(lp)
    }

    /// Registers the reader.
    fn read_next(self: &Rc<Self>, lp: &LoopHandle) -> io::Result<()> {
        let (lp2, conn) = (lp.clone(), self.clone());
        lp.add_reader(&self.socket, move || conn.on_readable(&lp2))
    }

    fn on_readable(self: &Rc<Self>, lp: &LoopHandle) {
        let mut buf = [0u8; 16 * 1024];
        match self.socket.read(&mut buf) {
            // End-of-file: the client is done.
            Ok(0) => self.close(lp),
            Ok(n) => self.send(lp, &buf[..n]),
            // Readable, then not (another reader got there first): wait again.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            // Reset by the peer, most likely: nothing to tell it any more.
            Err(_) => self.close(lp),
        }
    }

    /// Writes what the socket takes now; keeps the rest for `on_writable`.
    fn send(self: &Rc<Self>, lp: &LoopHandle, mut data: &[u8]) {
        while !data.is_empty() {
            match self.socket.write(data) {
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return self.close(lp),
            }
        }
        if data.is_empty() {
            return;
        }
        self.unsent.borrow_mut().extend_from_slice(data);
        // Swap the reader for a writer until the reply is out.
        let _ = lp.remove_reader(&self.socket);
        let (lp2, conn) = (lp.clone(), self.clone());
        if lp
            .add_writer(&self.socket, move || conn.on_writable(&lp2))
            .is_err()
        {
            self.close(lp);
        }
    }

    fn on_writable(self: &Rc<Self>, lp: &LoopHandle) {
        let result = {
            let mut unsent = self.unsent.borrow_mut();
            loop {
                if unsent.is_empty() {
                    break Ok(true);
                }
                match self.socket.write(&unsent) {
                    Ok(n) => {
                        unsent.drain(..n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(false),
                    Err(e) => break Err(e),
                }
            }
        };
        match result {
            Ok(false) => {}
            Ok(true) => {
                let _ = lp.remove_writer(&self.socket);
                if self.read_next(lp).is_err() {
                    self.close(lp);
                }
            }
            Err(_) => self.close(lp),
        }
    }

    /// Removes both callbacks. They hold the last references to the
    /// connection, so the socket is closed when the one running now returns:
    /// deregistered first, closed after, as the selector's contract asks.
    fn close(&self, lp: &LoopHandle) {
        let _ = lp.remove_reader(&self.socket);
        let _ = lp.remove_writer(&self.socket);
    }
}

//! The TCP transport: buffered writes, flow control, pause/resume reading,
//! close and abort (chapter 12).
//!
//! A transport owns one non-blocking socket and drives it with the loop's
//! reader and writer callbacks:
//!
//! * **Reading.** While reading is on, the socket has a reader that reads
//!   once per readiness and hands the bytes to `data_received`.
//!   `pause_reading` removes the reader, so the kernel's receive buffer fills
//!   and TCP tells the peer to stop sending: backpressure, end to end.
//! * **Writing.** `write` sends at once what the socket takes, and buffers
//!   the rest; a writer callback sends the buffer as room appears, and is
//!   removed when the buffer is empty. When the buffer grows over the
//!   high-water mark the protocol gets `pause_writing`; when it drains to the
//!   low-water mark, `resume_writing` (asyncio's defaults: 64 KiB and 16 KiB).
//! * **Closing.** `close` stops reading and waits for the buffer to drain;
//!   `abort` throws the buffer away. Either way `connection_lost` comes in a
//!   later callback, the socket is deregistered and closed, and the
//!   transport lets go of the protocol.
//!
//! The write buffer and its water marks are in `write_buffer.rs`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use super::Protocol;
use super::write_buffer::WriteBuffer;
use crate::event_loop::{Direction, LoopHandle, Report};
use crate::sys::Socket;

/// How much one read asks for.
const READ_CHUNK: usize = 64 * 1024;

/// A connection as the protocol sees it: a cheap, cloneable handle.
///
/// Every method is safe to call at any time: after `close`, `write` does
/// nothing, and closing twice is closing once.
#[derive(Clone)]
pub struct Transport {
    inner: Rc<Inner>,
}

struct Inner {
    lp: LoopHandle,
    /// The protocol; `None` once `connection_lost` was delivered (or the
    /// loop closed), which is what breaks the transport <-> protocol cycle.
    /// Borrowed only while one of its methods runs.
    protocol: RefCell<Option<Box<dyn Protocol>>>,
    /// Everything else. Never borrowed while the protocol or the loop runs
    /// a callback.
    conn: RefCell<Conn>,
    /// What the protocol was last told: `true` after `pause_writing`, until
    /// `resume_writing`.
    told_paused: Cell<bool>,
    /// The peer's address.
    peer: SocketAddr,
}

/// The state of a connection.
struct Conn {
    /// The socket; `None` once closed. An `Rc` so that a loop call can use
    /// it without keeping `conn` borrowed.
    socket: Option<Rc<Socket>>,
    /// Where the connection is in its life.
    phase: Phase,
    /// Bytes written by the protocol that the socket has not taken yet,
    /// and whether the protocol should be paused for them (`told_paused`
    /// catches up with that after each call).
    buffer: WriteBuffer,
    /// The protocol asked `pause_reading`.
    read_paused: bool,
    /// The peer sent EOF: there is nothing more to read, ever.
    at_eof: bool,
    /// A reader is registered with the loop.
    reader: bool,
    /// A writer is registered with the loop: the buffer waits for room.
    writer: bool,
    /// The loop's close hook for this connection (see `on_close`).
    close_hook: Option<u64>,
}

/// Where a connection is in its life. It only ever moves down this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reads and writes as the protocol asks.
    Open,
    /// `close` or `abort` was called, or the connection failed: no more
    /// writes are accepted and reading is off. `connection_lost` is
    /// scheduled once the buffer has drained (at once after an abort).
    Closing,
    /// `connection_lost` has been scheduled; nothing more happens.
    Lost,
}

impl Conn {
    /// Whether the loop's callback for `direction` is registered.
    fn registered(&mut self, direction: Direction) -> &mut bool {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }

    /// Whether the protocol wants data now: open, not paused, not at EOF.
    fn wants_data(&self) -> bool {
        self.phase == Phase::Open && !self.read_paused && !self.at_eof
    }
}

thread_local! {
    /// One read buffer per thread, lent to each read in turn. It is taken
    /// out while in use (never borrowed across a call into the protocol), so
    /// a read that somehow ran inside another would get a fresh buffer
    /// rather than a `RefCell` panic.
    static READ_BUFFER: Cell<Option<Box<[u8]>>> = const { Cell::new(None) };
}

impl Transport {
    /// Wraps a connected socket: makes it non-blocking, and schedules
    /// `connection_made` and then reading. [`create_server`](super::create_server)
    /// does this for every connection it accepts.
    pub fn start(
        lp: &LoopHandle,
        socket: Socket,
        protocol: Box<dyn Protocol>,
    ) -> io::Result<Transport> {
        socket.set_nonblocking(true)?;
        let peer = socket.peer_addr()?;
        let inner = Rc::new(Inner {
            lp: lp.clone(),
            protocol: RefCell::new(Some(protocol)),
            conn: RefCell::new(Conn {
                socket: Some(Rc::new(socket)),
                phase: Phase::Open,
                buffer: WriteBuffer::new(),
                read_paused: false,
                at_eof: false,
                reader: false,
                writer: false,
                close_hook: None,
            }),
            told_paused: Cell::new(false),
            peer,
        });
        let for_hook = inner.clone();
        let hook = lp.on_close(Box::new(move || for_hook.drop_on_loop_close()));
        inner.conn.borrow_mut().close_hook = Some(hook);
        let transport = Transport { inner };
        let made = transport.clone();
        lp.call_soon(move || {
            let handed = made.clone();
            made.inner.call_protocol(|p| p.connection_made(handed));
            made.inner.start(Direction::Read);
        });
        Ok(transport)
    }

    /// Sends `data`, now or later: what the socket does not take at once is
    /// buffered and sent when it has room. Never blocks, never fails; a
    /// failed connection reports its error to `connection_lost`. After
    /// `close` or `abort` it does nothing.
    pub fn write(&self, data: &[u8]) {
        self.inner.write(data);
    }

    /// Closes the connection once the write buffer has drained: stops
    /// reading now, and calls `connection_lost(None)` when done.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Closes the connection now: the write buffer is thrown away, and
    /// `connection_lost(None)` is called in a later callback.
    pub fn abort(&self) {
        self.inner.force_close(None);
    }

    /// Stops calling `data_received` until `resume_reading`. The kernel's
    /// buffer fills, and TCP flow control slows the peer down.
    pub fn pause_reading(&self) {
        {
            let mut conn = self.inner.conn.borrow_mut();
            if conn.phase != Phase::Open || conn.read_paused {
                return;
            }
            conn.read_paused = true;
        }
        self.inner.stop(Direction::Read);
    }

    /// Calls `data_received` again.
    pub fn resume_reading(&self) {
        {
            let mut conn = self.inner.conn.borrow_mut();
            if conn.phase != Phase::Open || !conn.read_paused {
                return;
            }
            conn.read_paused = false;
        }
        self.inner.start(Direction::Read);
    }

    /// Whether `data_received` can be called (not paused, not at EOF, not
    /// closing).
    pub fn is_reading(&self) -> bool {
        self.inner.conn.borrow().wants_data()
    }

    /// Whether `close` or `abort` was called, or the connection failed.
    pub fn is_closing(&self) -> bool {
        self.inner.conn.borrow().phase != Phase::Open
    }

    /// Bytes written but not yet taken by the socket.
    pub fn write_buffer_size(&self) -> usize {
        self.inner.conn.borrow().buffer.len()
    }

    /// Sets the high- and low-water marks of the write buffer; `low`
    /// defaults to a quarter of `high`. `InvalidInput` if `low > high`.
    pub fn set_write_buffer_limits(&self, high: usize, low: Option<usize>) -> io::Result<()> {
        self.inner.conn.borrow_mut().buffer.set_limits(high, low)?;
        self.inner.sync_flow_control();
        Ok(())
    }

    /// The high- and low-water marks.
    pub fn write_buffer_limits(&self) -> (usize, usize) {
        self.inner.conn.borrow().buffer.limits()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.inner.peer
    }
}

/// What `write` must do once `conn` is no longer borrowed.
enum Then {
    Nothing,
    StartWriter,
    Fail(io::Error),
}

impl Inner {
    /// Calls a protocol method, then delivers any flow-control change that
    /// happened meanwhile.
    fn call_protocol(&self, f: impl FnOnce(&mut dyn Protocol)) {
        {
            // Protocol methods are only called from loop callbacks, never
            // from inside another method of this protocol, so this borrow
            // succeeds; if it ever did not, skipping is safer than panicking.
            let Ok(mut slot) = self.protocol.try_borrow_mut() else {
                return;
            };
            if let Some(protocol) = slot.as_mut() {
                f(protocol.as_mut());
            }
        }
        self.sync_flow_control();
    }

    /// Tells the protocol `pause_writing` or `resume_writing` if what it
    /// was last told is out of date. If the protocol is busy (this is a
    /// `write` from inside its own method), it is told when that returns.
    fn sync_flow_control(&self) {
        loop {
            let want = self.conn.borrow().buffer.wants_paused();
            if want == self.told_paused.get() {
                return;
            }
            let Ok(mut slot) = self.protocol.try_borrow_mut() else {
                return;
            };
            let Some(protocol) = slot.as_mut() else {
                return;
            };
            self.told_paused.set(want);
            if want {
                protocol.pause_writing();
            } else {
                protocol.resume_writing();
            }
        }
    }

    fn write(self: &Rc<Inner>, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let then = {
            let mut conn = self.conn.borrow_mut();
            let conn = &mut *conn;
            let open = conn.phase == Phase::Open;
            let Some(socket) = conn.socket.as_ref().filter(|_| open) else {
                // asyncio logs a warning after a few writes to a closed
                // transport; we drop them quietly.
                return;
            };
            if conn.buffer.is_empty() {
                match socket.write(data) {
                    Ok(n) if n == data.len() => Then::Nothing,
                    Ok(n) => {
                        conn.buffer.push(&data[n..]);
                        Then::StartWriter
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        conn.buffer.push(data);
                        Then::StartWriter
                    }
                    Err(e) => Then::Fail(e),
                }
            } else {
                // Already waiting for room: keep the order, queue behind.
                conn.buffer.push(data);
                Then::Nothing
            }
        };
        match then {
            Then::Nothing => {}
            Then::StartWriter => self.start(Direction::Write),
            Then::Fail(e) => self.fatal(e),
        }
        self.sync_flow_control();
    }

    /// The reader: one read per readiness.
    fn read_ready(self: &Rc<Inner>) {
        let Some(socket) = self.conn.borrow().socket.clone() else {
            return;
        };
        let mut buf = READ_BUFFER
            .take()
            .unwrap_or_else(|| vec![0; READ_CHUNK].into_boxed_slice());
        match socket.read(&mut buf[..]) {
            Ok(0) => self.eof(),
            Ok(n) => self.call_protocol(|p| p.data_received(&buf[..n])),
            // Readable, then not: another reader of a shared socket got
            // there first. Wait for the next readiness.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => self.fatal(e),
        }
        READ_BUFFER.set(Some(buf));
    }

    /// The writer: sends as much of the buffer as the socket takes.
    fn write_ready(self: &Rc<Inner>) {
        let outcome = {
            let mut conn = self.conn.borrow_mut();
            let Conn { socket, buffer, .. } = &mut *conn;
            let Some(socket) = socket.as_ref() else {
                return;
            };
            buffer.send_to(socket)
        };
        match outcome {
            Err(e) => self.fatal(e),
            Ok(false) => {}
            Ok(true) => {
                self.stop(Direction::Write);
                if self.conn.borrow().phase == Phase::Closing {
                    self.schedule_connection_lost(None);
                }
            }
        }
        self.sync_flow_control();
    }

    /// The peer sent EOF.
    fn eof(self: &Rc<Inner>) {
        self.conn.borrow_mut().at_eof = true;
        self.stop(Direction::Read);
        let mut keep_open = false;
        self.call_protocol(|p| keep_open = p.eof_received());
        if !keep_open {
            self.close();
        }
    }

    fn close(self: &Rc<Inner>) {
        let drained = {
            let mut conn = self.conn.borrow_mut();
            if conn.phase != Phase::Open {
                return;
            }
            conn.phase = Phase::Closing;
            conn.buffer.is_empty()
        };
        self.stop(Direction::Read);
        if drained {
            self.schedule_connection_lost(None);
        }
        // Otherwise the writer finishes the job when the buffer drains.
    }

    /// Closes now, dropping the buffer; `error` goes to `connection_lost`.
    fn force_close(self: &Rc<Inner>, error: Option<io::Error>) {
        {
            let mut conn = self.conn.borrow_mut();
            if conn.phase == Phase::Lost {
                return;
            }
            conn.phase = Phase::Closing;
            conn.buffer.clear();
        }
        self.stop(Direction::Read);
        self.stop(Direction::Write);
        self.schedule_connection_lost(error);
    }

    /// A read or write failed: the connection is over.
    fn fatal(self: &Rc<Inner>, error: io::Error) {
        // A peer that resets or vanishes is ordinary life for a server;
        // anything else is worth a report.
        let ordinary = matches!(
            error.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::TimedOut
        );
        if !ordinary {
            self.lp.report(Report::error(
                format!("transport to {}: closing the connection", self.peer),
                &error,
            ));
        }
        self.force_close(Some(error));
    }

    fn schedule_connection_lost(self: &Rc<Inner>, error: Option<io::Error>) {
        {
            let mut conn = self.conn.borrow_mut();
            if conn.phase == Phase::Lost {
                return;
            }
            conn.phase = Phase::Lost;
        }
        let inner = self.clone();
        self.lp.call_soon(move || inner.connection_lost(error));
    }

    /// The end: close the socket, tell the protocol, let go of it.
    fn connection_lost(self: &Rc<Inner>, error: Option<io::Error>) {
        // The socket goes first, so that a protocol that panics below still
        // leaves no fd behind.
        self.stop(Direction::Read);
        self.stop(Direction::Write);
        let (socket, hook) = {
            let mut conn = self.conn.borrow_mut();
            (conn.socket.take(), conn.close_hook.take())
        };
        drop(socket);
        if let Some(key) = hook {
            self.lp.cancel_on_close(key);
        }
        let protocol = self.protocol.borrow_mut().take();
        if let Some(mut protocol) = protocol {
            protocol.connection_lost(error);
        }
    }

    /// The loop is closing with this connection still open: no more
    /// callbacks will run, so just let go of the protocol and the socket.
    fn drop_on_loop_close(&self) {
        let protocol = self
            .protocol
            .try_borrow_mut()
            .ok()
            .and_then(|mut p| p.take());
        let socket = self
            .conn
            .try_borrow_mut()
            .ok()
            .and_then(|mut c| c.socket.take());
        drop(protocol);
        drop(socket);
    }

    /// Registers the loop's reader (if the protocol wants data) or writer.
    fn start(self: &Rc<Inner>, direction: Direction) {
        let socket = {
            let mut conn = self.conn.borrow_mut();
            if *conn.registered(direction) || (direction == Direction::Read && !conn.wants_data()) {
                return;
            }
            let Some(socket) = conn.socket.clone() else {
                return;
            };
            *conn.registered(direction) = true;
            socket
        };
        let inner = self.clone();
        let added = match direction {
            Direction::Read => self.lp.add_reader(&*socket, move || inner.read_ready()),
            Direction::Write => self.lp.add_writer(&*socket, move || inner.write_ready()),
        };
        if let Err(e) = added {
            *self.conn.borrow_mut().registered(direction) = false;
            self.fatal(e);
        }
    }

    /// Removes the loop's reader or writer, if registered.
    fn stop(&self, direction: Direction) {
        let socket = {
            let mut conn = self.conn.borrow_mut();
            if !*conn.registered(direction) {
                return;
            }
            *conn.registered(direction) = false;
            conn.socket.clone()
        };
        let Some(socket) = socket else {
            return;
        };
        let (removed, what) = match direction {
            Direction::Read => (self.lp.remove_reader(&*socket), "reader"),
            Direction::Write => (self.lp.remove_writer(&*socket), "writer"),
        };
        if let Err(e) = removed {
            self.lp.report(Report::error(
                format!("transport to {}: removing the {what}", self.peer),
                &e,
            ));
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Transport");
        s.field("peer", &self.inner.peer);
        if let Ok(conn) = self.inner.conn.try_borrow() {
            s.field("open", &conn.socket.is_some())
                .field("phase", &conn.phase)
                .field("buffered", &conn.buffer.len())
                .field("reading", &conn.reader);
        }
        s.finish()
    }
}

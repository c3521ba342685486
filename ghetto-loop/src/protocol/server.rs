//! `create_server`: a listening socket that turns each connection into a
//! transport and a protocol (chapter 12).
//!
//! The listener gets a reader; each time it is readable, the reader accepts
//! the waiting connections (up to a batch, so one busy listener cannot
//! monopolise a pass), asks the factory for a protocol, and starts a
//! [`Transport`] for each.
//!
//! # Out of fds
//!
//! `accept` fails with `EMFILE` when the process has no fd left for the new
//! connection (`ENFILE`: the whole system; `ENOBUFS`/`ENOMEM`: no kernel
//! memory). The connection stays in the kernel's backlog, so the listener
//! stays readable, and a level-triggered loop would call the reader again at
//! once, fail again, and spin at 100 % CPU while serving nobody. So, like
//! asyncio, the server reports the error, removes the listener's reader,
//! and tries again after [`ACCEPT_RETRY_DELAY`]; the connections it already
//! has are served meanwhile, and when one of them closes, its fd is free for
//! the next `accept`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use super::Protocol;
use super::transport::Transport;
use crate::event_loop::{LoopHandle, Report, TimerHandle};
use crate::sys::{Socket, is_out_of_resources};

/// How long a server stops accepting after `accept` ran out of fds (or
/// failed otherwise): asyncio's `ACCEPT_RETRY_DELAY`.
pub const ACCEPT_RETRY_DELAY: Duration = Duration::from_secs(1);

/// The kernel's queue of connections not yet accepted.
const BACKLOG: i32 = 1024;

/// The most connections one readiness of the listener accepts.
const ACCEPT_BATCH: usize = 128;

/// Listens on `addr` and serves every connection with a protocol from
/// `factory`, on the loop of `lp`. Bind port 0 to let the kernel pick one
/// ([`Server::local_addr`] tells which).
///
/// The server keeps serving when the returned [`Server`] is dropped (the
/// loop holds it); call [`Server::close`] to stop accepting.
pub fn create_server<P: Protocol + 'static>(
    lp: &LoopHandle,
    mut factory: impl FnMut() -> P + 'static,
    addr: SocketAddr,
) -> io::Result<Server> {
    let listener = Socket::listen(addr, BACKLOG)?;
    listener.set_nonblocking(true)?;
    let local_addr = listener.local_addr()?;
    let server = Server {
        inner: Rc::new(Inner {
            lp: lp.clone(),
            listener: RefCell::new(Some(Rc::new(listener))),
            local_addr,
            factory: RefCell::new(Box::new(move || Box::new(factory()))),
            retry_delay: Cell::new(ACCEPT_RETRY_DELAY),
            retry: RefCell::new(None),
            accepting: Cell::new(false),
            accepted: Cell::new(0),
        }),
    };
    server.inner.start_accepting()?;
    Ok(server)
}

/// A listening server made by [`create_server`].
#[derive(Clone)]
pub struct Server {
    inner: Rc<Inner>,
}

struct Inner {
    lp: LoopHandle,
    /// The listening socket; `None` once closed.
    listener: RefCell<Option<Rc<Socket>>>,
    /// Where it listens.
    local_addr: SocketAddr,
    /// Makes one protocol per connection.
    factory: RefCell<Box<dyn FnMut() -> Box<dyn Protocol>>>,
    /// How long to stop accepting after `accept` failed.
    retry_delay: Cell<Duration>,
    /// The timer that resumes accepting, while paused.
    retry: RefCell<Option<TimerHandle>>,
    /// Whether the listener has a reader.
    accepting: Cell<bool>,
    /// Connections accepted so far.
    accepted: Cell<u64>,
}

impl Server {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.inner.accepted.get()
    }

    /// Whether the listener is being watched: `false` after `close`, and
    /// while accepting is paused after an error.
    pub fn is_accepting(&self) -> bool {
        self.inner.accepting.get()
    }

    /// How long to stop accepting after `accept` fails (default
    /// [`ACCEPT_RETRY_DELAY`]).
    pub fn set_accept_retry_delay(&self, delay: Duration) {
        self.inner.retry_delay.set(delay);
    }

    /// Stops listening and closes the listening socket. The connections
    /// already accepted go on until they close.
    pub fn close(&self) {
        self.inner.stop_accepting();
        if let Some(retry) = self.inner.retry.borrow_mut().take() {
            retry.cancel();
        }
        let listener = self.inner.listener.borrow_mut().take();
        drop(listener);
    }
}

impl Inner {
    fn start_accepting(self: &Rc<Inner>) -> io::Result<()> {
        let Some(listener) = self.listener.borrow().clone() else {
            return Ok(());
        };
        if self.accepting.get() {
            return Ok(());
        }
        let inner = self.clone();
        self.lp
            .add_reader(&*listener, move || inner.accept_ready())?;
        self.accepting.set(true);
        Ok(())
    }

    fn stop_accepting(&self) {
        if !self.accepting.replace(false) {
            return;
        }
        if let Some(listener) = self.listener.borrow().clone() {
            if let Err(e) = self.lp.remove_reader(&*listener) {
                self.lp.report(Report::error(
                    format!(
                        "server on {}: removing the listener's reader",
                        self.local_addr
                    ),
                    &e,
                ));
            }
        }
    }

    /// The listener's reader: accept what is waiting.
    fn accept_ready(self: &Rc<Inner>) {
        for _ in 0..ACCEPT_BATCH {
            let Some(listener) = self.listener.borrow().clone() else {
                return;
            };
            match listener.accept() {
                Ok((socket, _peer)) => self.serve(socket),
                // Nothing more waiting.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // The client gave up before we accepted it: nothing to do
                // but take the next one.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                Err(e) => return self.back_off(e),
            }
        }
    }

    /// Hands one accepted connection to a new protocol.
    fn serve(self: &Rc<Inner>, socket: Socket) {
        self.accepted.set(self.accepted.get() + 1);
        // Small writes go out at once: chat lines and echoes are small.
        // Failing to set it changes latency, not correctness.
        let _ = socket.set_nodelay(true);
        let protocol = (self.factory.borrow_mut())();
        if let Err(e) = Transport::start(&self.lp, socket, protocol) {
            // The socket and the protocol are dropped: the client sees the
            // connection close.
            self.lp.report(Report::error(
                format!("server on {}: dropping a new connection", self.local_addr),
                &e,
            ));
        }
    }

    /// `accept` failed: report, stop accepting, try again later.
    fn back_off(self: &Rc<Inner>, error: io::Error) {
        let delay = self.retry_delay.get();
        let why = if is_out_of_resources(&error) {
            "out of fds or memory for a new connection"
        } else {
            "accept failed"
        };
        self.lp.report(Report::error(
            format!(
                "server on {}: {why}; not accepting for {:.3} s, still serving the connections it has ({} accepted so far)",
                self.local_addr,
                delay.as_secs_f64(),
                self.accepted.get(),
            ),
            &error,
        ));
        self.stop_accepting();
        let inner = self.clone();
        let timer = self.lp.call_later(delay, move || {
            inner.retry.borrow_mut().take();
            if let Err(e) = inner.start_accepting() {
                inner.back_off(e);
            }
        });
        let old = self.retry.borrow_mut().replace(timer);
        if let Some(old) = old {
            old.cancel();
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.inner.local_addr)
            .field("accepting", &self.inner.accepting.get())
            .field("accepted", &self.inner.accepted.get())
            .finish()
    }
}

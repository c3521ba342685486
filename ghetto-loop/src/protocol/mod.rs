//! Transports and protocols: the layers between the event loop and an
//! application (chapter 12).
//!
//! ```text
//!   app        the chat room, an echo service...
//!   protocol   what the bytes mean: `data_received`, `connection_lost`   (yours)
//!   transport  how bytes move: buffering, flow control, closing           (here)
//!   event loop readers, writers, call_soon                                (chapter 11)
//!   selector   which fds are ready                                       (chapters 04-06)
//! ```
//!
//! Chapter 11's callback echo server does everything by hand: it reads when
//! the fd is readable, keeps what the socket would not take, registers a
//! writer to send the rest, and remembers to deregister before closing. A
//! [`Transport`] does that once, for every connection: `write` never blocks
//! and never loses data (what the socket does not take is buffered and sent
//! when it is writable), `close` waits for the buffer to drain, and flow
//! control tells the [`Protocol`] when the buffer is too full
//! (`pause_writing`) and when it has drained (`resume_writing`). The protocol
//! is a plain object with methods the transport calls: the Twisted and
//! asyncio (PEP 3156) design.
//!
//! # The calls a protocol gets
//!
//! `connection_made` first, then any number of `data_received`, then maybe
//! `eof_received`, then `connection_lost` exactly once (with the error, if
//! the connection failed). `pause_writing`/`resume_writing` come in pairs,
//! in between. Every call comes from a callback of the loop, never from
//! inside a call of your own to the transport: `close` and `abort` schedule
//! `connection_lost` for a later callback, and a `pause_writing` caused by
//! your own `write` inside `data_received` is delivered as soon as
//! `data_received` returns.
//!
//! # Simplifications
//!
//! * TCP only, and only the server side: [`create_server`]. A connected
//!   socket can be wrapped with [`Transport::start`]; asyncio's
//!   `create_connection` (a non-blocking connect) is left out.
//! * `write` copies into one contiguous buffer; asyncio keeps a list of
//!   buffers and uses `sendmsg` to write several at once.
//! * A protocol object is boxed per connection (`Box<dyn Protocol>`): one
//!   allocation, and a virtual call per event.
//!
//! ```
//! use ghetto_loop::event_loop::EventLoop;
//! use ghetto_loop::protocol::{Protocol, Transport, create_server};
//! use std::io::{self, Read, Write};
//!
//! /// Sends every byte back.
//! struct Echo(Option<Transport>);
//!
//! impl Protocol for Echo {
//!     fn connection_made(&mut self, transport: Transport) {
//!         self.0 = Some(transport);
//!     }
//!     fn data_received(&mut self, data: &[u8]) {
//!         if let Some(t) = &self.0 {
//!             t.write(data);
//!         }
//!     }
//!     fn connection_lost(&mut self, _error: Option<io::Error>) {}
//! }
//!
//! let lp = EventLoop::new()?;
//! let server = create_server(&lp, || Echo(None), "127.0.0.1:0".parse().unwrap())?;
//! let addr = server.local_addr();
//! let client = std::thread::spawn(move || -> io::Result<Vec<u8>> {
//!     let mut s = std::net::TcpStream::connect(addr)?;
//!     s.write_all(b"hello")?;
//!     s.shutdown(std::net::Shutdown::Write)?;
//!     let mut got = Vec::new();
//!     s.read_to_end(&mut got)?;
//!     Ok(got)
//! });
//! let remote = lp.remote();
//! std::thread::spawn(move || {
//!     let got = client.join().unwrap();
//!     remote.call_soon_threadsafe(move || {
//!         ghetto_loop::event_loop::LoopHandle::current().stop();
//!         assert_eq!(got.unwrap(), b"hello");
//!     })
//! });
//! lp.run_forever()?;
//! # Ok::<(), io::Error>(())
//! ```

mod server;
mod transport;
mod write_buffer;

use std::io;

pub use server::{ACCEPT_RETRY_DELAY, Server, create_server};
pub use transport::Transport;
pub use write_buffer::DEFAULT_HIGH_WATER;

/// What a connection means to the application: the transport calls these.
///
/// Only `connection_made`, `data_received` and `connection_lost` are
/// required. Every method is called from a callback of the loop, one at a
/// time, so a protocol needs no locks.
pub trait Protocol {
    /// The connection is up. Keep `transport` (a cheap handle) to write.
    fn connection_made(&mut self, transport: Transport);

    /// Bytes arrived. They are a chunk of a stream, not a message: a line
    /// may come in three calls, or three lines in one.
    fn data_received(&mut self, data: &[u8]);

    /// The peer closed its sending side (end-of-file). Return `true` to
    /// keep the connection open for writing; the default, `false`, closes it
    /// (after the write buffer drains).
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is closed: `None` after a clean close or `abort`,
    /// `Some(error)` if it failed (reset by the peer, ...). The last call.
    fn connection_lost(&mut self, error: Option<io::Error>);

    /// The transport's write buffer went over its high-water mark: stop
    /// producing data for it until `resume_writing`. (Writing anyway is
    /// allowed; the buffer just grows.)
    fn pause_writing(&mut self) {}

    /// The write buffer drained to its low-water mark: produce again.
    fn resume_writing(&mut self) {}
}

//! An echo server as a protocol, with backpressure (chapter 12).
//!
//! Chapter 11's callback echo server kept its unsent bytes, swapped its
//! reader for a writer and back, and closed in the right order, by hand.
//! On a transport all of that is gone, and what is left is the one decision
//! that belongs to the application: when the peer does not read what we
//! send, stop reading what it sends (`pause_reading` on `pause_writing`).
//! Without it, a client that writes without reading would make the server
//! buffer its whole upload.

use std::io;
use std::net::SocketAddr;

use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::protocol::{Protocol, Transport, create_server};

/// Sends every byte back.
#[derive(Debug, Default)]
pub struct Echo {
    transport: Option<Transport>,
}

impl Protocol for Echo {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        if let Some(t) = &self.transport {
            t.write(data);
        }
    }

    fn connection_lost(&mut self, _error: Option<io::Error>) {
        self.transport = None;
    }

    /// The peer is not reading our echoes: stop reading its data, so TCP
    /// slows it down instead of our buffer growing.
    fn pause_writing(&mut self) {
        if let Some(t) = &self.transport {
            t.pause_reading();
        }
    }

    fn resume_writing(&mut self) {
        if let Some(t) = &self.transport {
            t.resume_reading();
        }
    }
}

/// Binds `addr`, announces it, and echoes every client until killed.
pub fn serve_echo(addr: SocketAddr) -> anyhow::Result<()> {
    ghetto_loop::sys::raise_fd_limit()?;
    let lp = EventLoop::new()?;
    let server = create_server(&lp, Echo::default, addr)?;
    course::cli::announce_listening(server.local_addr());
    lp.run_forever()?;
    Ok(())
}

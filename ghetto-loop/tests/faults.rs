//! The fault layer's own suite (the robustness runs that follow chapter 20):
//! readiness is a hint, and the fault layer catches code that forgets it.
//!
//! * Without the `faults` feature: a selector that lies on every wait (it
//!   reports every registered fd ready) must not make `connect` hand back a
//!   socket whose handshake is still going on.
//! * With the feature and `GHETTO_FAULTS` set (`scripts/faults.sh`): the
//!   layer really injects faults, and a deliberately broken helper (a
//!   `write_all` that ignores short writes, a read that trusts readiness) is
//!   caught, while the runtime's own `write_all` and `read` are exact. Were
//!   the fault layer to stop injecting, these tests would fail: they are the
//!   check that the fault suites can fail at all.

mod util;

use std::collections::BTreeMap;
use std::io;
use std::net::{SocketAddr, TcpStream as StdStream};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::time::Duration;

use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::sys::{Doorbell, Event, Interest, Selector, Socket, Token};
use ghetto_loop::time::{self, Either};
use util::conformance;

/// A selector that reports every registered fd ready, with the directions
/// it was registered for, on every wait: the worst a selector may do under
/// the contract ("events are hints").
#[derive(Debug)]
struct Liar {
    inner: Box<dyn Selector>,
    registered: BTreeMap<RawFd, (Token, Interest)>,
}

impl Selector for Liar {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn register(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        self.inner.register(fd, token, interest)?;
        self.registered.insert(fd.as_raw_fd(), (token, interest));
        Ok(())
    }

    fn modify(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        self.inner.modify(fd, token, interest)?;
        self.registered.insert(fd.as_raw_fd(), (token, interest));
        Ok(())
    }

    fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.inner.deregister(fd)?;
        self.registered.remove(&fd.as_raw_fd());
        Ok(())
    }

    fn wait(&mut self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()> {
        // Sleep a little, so that a loop that believes the lies does not
        // spin: the test's timer still has to come due.
        let nap = timeout.map_or(Duration::from_millis(1), |t| {
            t.min(Duration::from_millis(1))
        });
        self.inner.wait(events, Some(nap))?;
        for &(token, interest) in self.registered.values() {
            if !events.iter().any(|e| e.token == token) {
                events.push(Event {
                    token,
                    readable: interest.is_readable(),
                    writable: interest.is_writable(),
                    hangup: false,
                    error: false,
                });
            }
        }
        Ok(())
    }

    fn doorbell(&self) -> Doorbell {
        self.inner.doorbell()
    }
}

/// A listener whose accept queue is full, so that the next `connect` to it
/// stays in SYN_SENT (Linux drops the SYN) for a second or more. Returns the
/// address and what must stay alive meanwhile.
fn a_listener_that_does_not_answer() -> io::Result<(SocketAddr, Socket, Vec<StdStream>)> {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 0)?;
    let addr = listener.local_addr()?;
    let mut queued = Vec::new();
    // A backlog of 0 still queues a connection or two; fill it until a
    // connect times out (that one is not kept).
    for _ in 0..16 {
        match StdStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => queued.push(stream),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Ok((addr, listener, queued)),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("the accept queue never filled up"))
}

conformance! {
    /// A spurious "writable" during a handshake is not its end: `connect`
    /// asks the socket whether it is connected, and waits again if not.
    fn a_spurious_writable_does_not_finish_a_connect(kind) {
        let (addr, _listener, _queued) = a_listener_that_does_not_answer()?;
        let liar = Liar { inner: kind.open()?, registered: BTreeMap::new() };
        let lp = EventLoop::with_selector(Box::new(liar));
        let outcome = lp.block_on(async move {
            time::select(
                ghetto_loop::net::TcpStream::connect(addr),
                time::sleep(Duration::from_millis(300)),
            )
            .await
        })?;
        match outcome {
            Either::Right(()) => Ok(()),
            Either::Left(Ok(stream)) => panic!(
                "{kind}: connect returned a stream with no peer ({:?}) after a lie",
                stream.peer_addr()
            ),
            Either::Left(Err(e)) => Err(e),
        }
    }
}

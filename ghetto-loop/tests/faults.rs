//! The fault layer's own suite (the robustness runs that follow chapter 20):
//! readiness is a hint, and the fault layer catches code that forgets it.
//!
//! * With or without the `faults` feature: a selector that lies on every
//!   wait ([`Spurious`] at rate 1) must not make `connect` hand back a
//!   socket whose handshake is still going on.
//! * With the feature and `GHETTO_FAULTS` set (`scripts/faults.sh`): the
//!   layer really injects faults, and a deliberately broken helper (a
//!   `write_all` that ignores short writes, a read that trusts readiness) is
//!   caught, while the runtime's own `write_all` and `read` are exact. Were
//!   the fault layer to stop injecting, these tests would fail: they are the
//!   check that the fault suites can fail at all.

mod util;

use std::io;
use std::net::{SocketAddr, TcpStream as StdStream};
use std::time::Duration;

use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::sys::Socket;
use ghetto_loop::sys::fault::Spurious;
use ghetto_loop::time::{self, Either};
use util::conformance;

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
        // A selector that ends every wait with a "ready" for a registered
        // fd (here the connecting socket is the only one): the worst a
        // selector may do under the contract, where events are hints.
        let liar = Spurious::new(kind.open()?, 1, 1.0);
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

/// Under injected faults (`scripts/faults.sh`): broken helpers are caught.
#[cfg(feature = "faults")]
mod caught {
    use std::io::Write as _;
    use std::rc::Rc;

    use super::*;
    use ghetto_loop::net::{TcpListener, TcpStream};
    use ghetto_loop::sys::{SelectorKind, fault};
    use ghetto_loop::task;

    /// 200 messages of 100 bytes, each numbered, so a lost piece shows.
    fn messages() -> Vec<Vec<u8>> {
        (0..200u32)
            .map(|i| {
                let mut m = format!("{i:>5} ").into_bytes();
                m.resize(100, b'a' + (i % 26) as u8);
                m
            })
            .collect()
    }

    /// Fails with a clear message when the suite runs without faults: these
    /// tests prove something only while faults are injected.
    fn faults_are_on() {
        assert!(
            fault::enabled(),
            "this test needs injected faults: run it with {}=SEED (scripts/faults.sh does)",
            fault::FAULTS_ENV
        );
    }

    /// How the sender writes one message.
    #[derive(Clone, Copy)]
    enum Sender {
        /// The runtime's `write_all`.
        WriteAll,
        /// Broken on purpose: one `write`, whatever it took.
        IgnoresShortWrites,
    }

    /// Sends [`messages`] over a loopback connection on the loop, as
    /// `sender` says, and returns what the other end read.
    fn through_the_loop(sender: Sender) -> io::Result<Vec<u8>> {
        let lp = EventLoop::with_kind(SelectorKind::Epoll)?;
        lp.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
            let addr = listener.local_addr()?;
            let reader = task::spawn(async move {
                let (stream, _) = listener.accept().await?;
                let mut got = Vec::new();
                let mut buf = [0u8; 256];
                loop {
                    match stream.read(&mut buf).await? {
                        0 => return Ok::<_, io::Error>(got),
                        n => got.extend_from_slice(&buf[..n]),
                    }
                }
            });
            let stream = TcpStream::connect(addr).await?;
            for m in messages() {
                match sender {
                    Sender::WriteAll => stream.write_all(&m).await?,
                    Sender::IgnoresShortWrites => {
                        stream.write(&m).await?;
                    }
                }
            }
            stream.shutdown(ghetto_loop::sys::Shutdown::Write)?;
            reader.await.map_err(io::Error::other)?
        })?
    }

    /// A `write_all` that forgets the short write loses bytes under the
    /// injected short writes, and the byte check sees it; the runtime's own
    /// `write_all` delivers every byte in order.
    #[test]
    fn a_write_all_that_ignores_short_writes_is_caught() -> io::Result<()> {
        faults_are_on();
        let sent = messages().concat();
        let broken = through_the_loop(Sender::IgnoresShortWrites)?;
        assert!(
            broken.len() < sent.len(),
            "the broken sender lost nothing: the short writes did not reach it"
        );
        assert_eq!(
            through_the_loop(Sender::WriteAll)?,
            sent,
            "the runtime lost or reordered bytes"
        );
        assert!(fault::injected().short > 0);
        Ok(())
    }

    /// A reader that trusts readiness (it takes `WouldBlock` after
    /// `readable()` for the end of the data) stops early under spurious
    /// readiness and spurious `EAGAIN`; `read` goes on to the true end.
    #[test]
    fn a_reader_that_trusts_readiness_is_caught() -> io::Result<()> {
        faults_are_on();
        let sent = messages().concat();
        let lp = EventLoop::with_kind(SelectorKind::Epoll)?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let writer = std::thread::spawn(move || -> io::Result<()> {
            // The trusting reader leaves early and its close resets the
            // connection, so the first connection's errors are expected.
            let (mut first, _) = listener.accept()?;
            let _ = messages().iter().try_for_each(|m| first.write_all(m));
            let (mut second, _) = listener.accept()?;
            messages().iter().try_for_each(|m| second.write_all(m))
        });
        let (trusting, patient) = lp.block_on(async move {
            let trusting = {
                let stream = Rc::new(TcpStream::connect(addr).await?);
                let mut got = Vec::new();
                let mut buf = [0u8; 64];
                loop {
                    stream.readable().await?;
                    match stream.try_read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                        // Broken on purpose: "readable, yet nothing: done".
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
                got
            };
            let stream = TcpStream::connect(addr).await?;
            let mut patient = Vec::new();
            let mut buf = [0u8; 64];
            loop {
                match stream.read(&mut buf).await? {
                    0 => break,
                    n => patient.extend_from_slice(&buf[..n]),
                }
            }
            Ok::<_, io::Error>((trusting, patient))
        })??;
        writer.join().expect("the writer thread does not panic")?;
        assert!(
            trusting.len() < sent.len(),
            "the trusting reader read everything: no spurious readiness reached it"
        );
        assert_eq!(patient, sent, "the runtime lost or reordered bytes");
        Ok(())
    }

    /// Every kind of fault is injected on an ordinary workload (200 round
    /// trips through an echo task, each one a wait), so the suites that run
    /// under faults meet each of them.
    #[test]
    fn every_kind_of_fault_is_injected() -> io::Result<()> {
        faults_are_on();
        let lp = EventLoop::with_kind(SelectorKind::Epoll)?;
        lp.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
            let addr = listener.local_addr()?;
            let echo = task::spawn(async move {
                let (stream, _) = listener.accept().await?;
                let mut buf = [0u8; 100];
                loop {
                    match stream.read(&mut buf).await? {
                        0 => return Ok::<_, io::Error>(()),
                        n => stream.write_all(&buf[..n]).await?,
                    }
                }
            });
            let stream = TcpStream::connect(addr).await?;
            for m in messages() {
                stream.write_all(&m).await?;
                let mut back = vec![0u8; m.len()];
                stream.read_exact(&mut back).await?;
                assert_eq!(back, m, "the echo lost or reordered bytes");
            }
            stream.shutdown(ghetto_loop::sys::Shutdown::Write)?;
            echo.await.map_err(io::Error::other)?
        })??;
        let i = fault::injected();
        assert!(
            i.interrupted > 0
                && i.would_block > 0
                && i.short > 0
                && i.spurious_events > 0
                && i.spurious_wakes > 0,
            "{i:?}"
        );
        Ok(())
    }
}

//! Transports, protocols and `create_server` (chapter 12): the promises of
//! `ghetto_loop::protocol`, each checked on all three selectors, each with
//! an open-fd count before and after.

mod util;

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use course::testing::PATIENCE;
use ghetto_loop::event_loop::{EventLoop, LoopHandle, Report};
use ghetto_loop::protocol::{Protocol, Server, Transport, create_server};
use util::{conformance, open_fds};

/// What a protocol was told, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Made,
    Data,
    Eof,
    Lost(Option<io::ErrorKind>),
    PauseWriting,
    ResumeWriting,
}

/// What the probes of one test share with the test.
#[derive(Default)]
struct Seen {
    events: RefCell<Vec<Ev>>,
    received: RefCell<Vec<u8>>,
    transport: RefCell<Option<Transport>>,
    dropped: Cell<u32>,
}

impl Seen {
    fn events(&self) -> Vec<Ev> {
        // Consecutive Data events are one: how bytes are split is TCP's business.
        let mut events = self.events.borrow().clone();
        events.dedup_by(|a, b| *a == Ev::Data && *b == Ev::Data);
        events
    }

    fn has(&self, ev: &Ev) -> bool {
        self.events.borrow().contains(ev)
    }

    /// `n` bytes came in and everything written back has left the
    /// transport's buffer: the kernel may take a write in pieces (a short
    /// write), and the loop must run to send the rest.
    fn echoed(&self, n: usize) -> bool {
        self.received.borrow().len() == n
            && self
                .transport
                .borrow()
                .as_ref()
                .is_none_or(|t| t.write_buffer_size() == 0)
    }

    fn transport(&self) -> Transport {
        self.transport
            .borrow()
            .clone()
            .expect("connection_made was called")
    }
}

/// A protocol that records everything and, if asked, echoes.
struct Probe {
    seen: Rc<Seen>,
    echo: bool,
    keep_open_on_eof: bool,
    /// Bytes to write back from inside each `data_received` (0: none).
    reply_bytes: usize,
}

impl Protocol for Probe {
    fn connection_made(&mut self, transport: Transport) {
        self.seen.events.borrow_mut().push(Ev::Made);
        *self.seen.transport.borrow_mut() = Some(transport);
    }

    fn data_received(&mut self, data: &[u8]) {
        self.seen.events.borrow_mut().push(Ev::Data);
        self.seen.received.borrow_mut().extend_from_slice(data);
        if self.echo {
            self.seen.transport().write(data);
        }
        if self.reply_bytes > 0 {
            self.seen.transport().write(&payload(self.reply_bytes));
        }
    }

    fn eof_received(&mut self) -> bool {
        self.seen.events.borrow_mut().push(Ev::Eof);
        self.keep_open_on_eof
    }

    fn connection_lost(&mut self, error: Option<io::Error>) {
        self.seen
            .events
            .borrow_mut()
            .push(Ev::Lost(error.map(|e| e.kind())));
        // The transport handle is dropped with the protocol's state.
        self.seen.transport.borrow_mut().take();
    }

    fn pause_writing(&mut self) {
        self.seen.events.borrow_mut().push(Ev::PauseWriting);
    }

    fn resume_writing(&mut self) {
        self.seen.events.borrow_mut().push(Ev::ResumeWriting);
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.seen.dropped.set(self.seen.dropped.get() + 1);
    }
}

/// A server whose every connection gets a probe sharing `seen`.
fn probe_server(
    lp: &LoopHandle,
    seen: &Rc<Seen>,
    echo: bool,
    keep_open_on_eof: bool,
) -> io::Result<Server> {
    let seen = seen.clone();
    create_server(
        lp,
        move || Probe {
            seen: seen.clone(),
            echo,
            keep_open_on_eof,
            reply_bytes: 0,
        },
        "127.0.0.1:0".parse().unwrap(),
    )
}

/// Runs the loop until `condition` holds; fails after ten seconds. Each
/// pass waits at most 5 ms, so the condition is checked often even when
/// nothing happens on the loop's own fds.
fn run_until(lp: &EventLoop, what: &str, mut condition: impl FnMut() -> bool) -> io::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        let tick = lp.call_later(Duration::from_millis(5), || {});
        lp.run_once()?;
        tick.cancel();
    }
    Ok(())
}

/// A blocking client whose reads and writes give up after ten seconds.
fn client(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    Ok(stream)
}

/// Reads what is there right now from a non-blocking client into `into`;
/// returns whether the peer closed.
fn read_available(stream: &mut TcpStream, into: &mut Vec<u8>) -> io::Result<bool> {
    let mut buf = [0u8; 65536];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => into.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

/// A recognisable payload: byte `i` is `i % 251`.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

conformance! {
    /// `connection_made`, the data, `eof_received`, then `connection_lost`
    /// exactly once; after that the protocol is dropped.
    fn the_calls_come_in_order(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let seen = Rc::new(Seen::default());
        let server = probe_server(&lp, &seen, true, false)?;
        let mut c = client(server.local_addr())?;
        c.write_all(b"hello, ")?;
        c.write_all(b"loop")?;
        c.shutdown(Shutdown::Write)?;
        run_until(&lp, "connection_lost", || seen.has(&Ev::Lost(None)))?;
        assert_eq!(seen.events(), [Ev::Made, Ev::Data, Ev::Eof, Ev::Lost(None)]);
        assert_eq!(*seen.received.borrow(), b"hello, loop");
        let mut echoed = Vec::new();
        c.read_to_end(&mut echoed)?;
        assert_eq!(echoed, b"hello, loop", "echoed, then closed after EOF");
        assert_eq!(seen.dropped.get(), 1, "the transport let go of its protocol");
        server.close();
        Ok(())
    }

    /// What the socket does not take is buffered and sent when it has
    /// room; crossing the high-water mark pauses the protocol (after the
    /// `data_received` that wrote it returns), draining to the low-water
    /// mark resumes it, and every byte arrives in order.
    fn writes_buffer_and_flow_control_follows_the_marks(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let seen = Rc::new(Seen::default());
        let server = probe_server(&lp, &seen, false, false)?;
        let mut c = client(server.local_addr())?;
        run_until(&lp, "connection_made", || seen.has(&Ev::Made))?;
        let t = seen.transport();
        assert_eq!(t.write_buffer_limits(), (64 * 1024, 16 * 1024));
        let bad = t.set_write_buffer_limits(10, Some(20)).unwrap_err();
        assert_eq!(bad.kind(), io::ErrorKind::InvalidInput);

        // The client does not read yet: 8 MB cannot all fit in the kernel.
        let big = payload(8 << 20);
        t.write(&big);
        assert!(t.write_buffer_size() > 64 * 1024, "{} buffered", t.write_buffer_size());
        assert_eq!(seen.events(), [Ev::Made, Ev::PauseWriting]);

        let (tx, rx) = mpsc::channel();
        let len = big.len();
        let reader = std::thread::spawn(move || {
            let mut got = vec![0u8; len];
            let result = c.read_exact(&mut got).map(|()| got);
            let _ = tx.send(());
            result
        });
        run_until(&lp, "the client to read it all", || rx.try_recv().is_ok())?;
        let got = reader.join().expect("the reader does not panic")?;
        assert!(got == big, "every byte arrived, in order");
        assert_eq!(t.write_buffer_size(), 0);
        // (The reader thread has closed its socket by now, so an `Eof` may
        // follow.)
        assert_eq!(seen.events()[..3], [Ev::Made, Ev::PauseWriting, Ev::ResumeWriting]);
        t.close();
        run_until(&lp, "connection_lost", || seen.has(&Ev::Lost(None)))?;
        server.close();
        Ok(())
    }

    /// A `write` inside `data_received` that crosses the high-water mark
    /// is not answered with a re-entrant `pause_writing`: the protocol gets
    /// it right after `data_received` returns.
    fn pause_writing_caused_inside_a_protocol_method_comes_after_it(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let seen = Rc::new(Seen::default());
        let for_factory = seen.clone();
        let server = create_server(
            &lp,
            move || Probe {
                seen: for_factory.clone(),
                echo: false,
                keep_open_on_eof: false,
                reply_bytes: 8 << 20,
            },
            "127.0.0.1:0".parse().unwrap(),
        )?;
        let mut c = client(server.local_addr())?;
        c.write_all(b"send me a lot")?;
        run_until(&lp, "pause_writing", || seen.has(&Ev::PauseWriting))?;
        assert_eq!(seen.events(), [Ev::Made, Ev::Data, Ev::PauseWriting]);
        assert_eq!(lp.stats().panics, 0, "no protocol method ran inside another");
        seen.transport().abort();
        run_until(&lp, "connection_lost", || seen.has(&Ev::Lost(None)))?;
        drop(c);
        server.close();
        Ok(())
    }

    /// `close` sends everything buffered before closing; `abort` throws the
    /// buffer away and closes at once.
    fn close_drains_and_abort_does_not(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let seen = Rc::new(Seen::default());
        let server = probe_server(&lp, &seen, false, false)?;

        let mut c = client(server.local_addr())?;
        run_until(&lp, "connection_made", || seen.has(&Ev::Made))?;
        let big = payload(4 << 20);
        let t = seen.transport();
        t.write(&big);
        t.close();
        assert!(t.is_closing());
        t.write(b"ignored: written after close");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            let result = c.read_to_end(&mut got).map(|_| got);
            let _ = tx.send(());
            result
        });
        run_until(&lp, "the client to reach EOF", || rx.try_recv().is_ok())?;
        let got = reader.join().expect("the reader does not panic")?;
        assert!(got == big, "close waited for all {} bytes ({} arrived)", big.len(), got.len());
        run_until(&lp, "connection_lost", || seen.has(&Ev::Lost(None)))?;

        let seen = Rc::new(Seen::default());
        let server2 = probe_server(&lp, &seen, false, false)?;
        let mut c = client(server2.local_addr())?;
        run_until(&lp, "connection_made", || seen.has(&Ev::Made))?;
        let t = seen.transport();
        t.write(&big);
        assert!(t.write_buffer_size() > 0);
        t.abort();
        assert_eq!(t.write_buffer_size(), 0);
        run_until(&lp, "connection_lost", || seen.has(&Ev::Lost(None)))?;
        let mut got = Vec::new();
        // EOF or a reset, but never the whole buffer.
        let _ = c.read_to_end(&mut got);
        assert!(got.len() < big.len(), "abort sent everything anyway");
        server.close();
        server2.close();
        Ok(())
    }

    /// `pause_reading` removes the reader (the data waits in the kernel);
    /// `resume_reading` delivers it.
    fn pause_reading_holds_the_data_back(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let seen = Rc::new(Seen::default());
        let server = probe_server(&lp, &seen, false, false)?;
        let mut c = client(server.local_addr())?;
        run_until(&lp, "connection_made", || seen.has(&Ev::Made))?;
        let t = seen.transport();
        t.pause_reading();
        assert!(!t.is_reading());
        assert_eq!(lp.stats().readers, 1, "only the listener is watched");
        c.write_all(b"held back")?;
        for _ in 0..5 {
            let tick = lp.call_later(Duration::from_millis(2), || {});
            lp.run_once()?;
            tick.cancel();
        }
        assert!(!seen.has(&Ev::Data));
        t.resume_reading();
        run_until(&lp, "the data", || seen.received.borrow().len() == 9)?;
        assert_eq!(*seen.received.borrow(), b"held back");
        t.abort();
        run_until(&lp, "connection_lost", || seen.has(&Ev::Lost(None)))?;
        server.close();
        Ok(())
    }

    /// A protocol whose `eof_received` returns true can still write.
    fn eof_can_keep_the_connection_open_for_writing(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let seen = Rc::new(Seen::default());
        let server = probe_server(&lp, &seen, false, true)?;
        let mut c = client(server.local_addr())?;
        c.write_all(b"question")?;
        c.shutdown(Shutdown::Write)?;
        run_until(&lp, "eof_received", || seen.has(&Ev::Eof))?;
        let t = seen.transport();
        assert!(!t.is_closing() && !t.is_reading());
        t.write(b"answer");
        t.close();
        run_until(&lp, "connection_lost", || seen.has(&Ev::Lost(None)))?;
        let mut got = Vec::new();
        c.read_to_end(&mut got)?;
        assert_eq!(got, b"answer");
        assert_eq!(seen.events(), [Ev::Made, Ev::Data, Ev::Eof, Ev::Lost(None)]);
        server.close();
        Ok(())
    }

    /// A peer that resets the connection shows up as
    /// `connection_lost(Some(error))`, and the server serves others.
    fn a_reset_is_reported_to_connection_lost(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let seen = Rc::new(Seen::default());
        let server = probe_server(&lp, &seen, false, false)?;
        let c = client(server.local_addr())?;
        run_until(&lp, "connection_made", || seen.has(&Ev::Made))?;
        let transport = seen.transport();
        transport.write(b"unread");
        // The kernel may take only part of it (a short write); the loop
        // sends the rest.
        run_until(&lp, "the write is sent", || transport.write_buffer_size() == 0)?;
        // Closing a socket with unread data makes the kernel send RST, not
        // FIN. Peek (without reading) until the data is there.
        let mut one = [0u8; 1];
        assert_eq!(c.peek(&mut one)?, 1);
        drop(c);
        run_until(&lp, "connection_lost", || {
            seen.events().iter().any(|e| matches!(e, Ev::Lost(_)))
        })?;
        let lost = seen.events().last().cloned();
        assert!(
            matches!(lost, Some(Ev::Lost(Some(io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe)))),
            "{lost:?}"
        );

        let other = Rc::new(Seen::default());
        let server2 = probe_server(&lp, &other, true, false)?;
        let mut c2 = client(server2.local_addr())?;
        c2.write_all(b"still fine")?;
        run_until(&lp, "the echo", || other.echoed(10))?;
        let mut echo = [0u8; 10];
        c2.read_exact(&mut echo)?;
        assert_eq!(&echo, b"still fine");
        server.close();
        server2.close();
        Ok(())
    }

    /// `Server::close` stops accepting; the connections it has go on.
    fn closing_the_server_keeps_its_connections(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let seen = Rc::new(Seen::default());
        let server = probe_server(&lp, &seen, true, false)?;
        let addr = server.local_addr();
        let mut c = client(addr)?;
        run_until(&lp, "connection_made", || seen.has(&Ev::Made))?;
        server.close();
        assert!(!server.is_accepting());
        assert_eq!(
            TcpStream::connect(addr).map(drop).unwrap_err().kind(),
            io::ErrorKind::ConnectionRefused
        );
        c.write_all(b"ping")?;
        run_until(&lp, "the echo", || seen.echoed(4))?;
        let mut echo = [0u8; 4];
        c.read_exact(&mut echo)?;
        assert_eq!(&echo, b"ping");
        assert_eq!(server.accepted(), 1);
        Ok(())
    }

    /// Out of fds, `accept` fails with EMFILE: the server reports it, stops
    /// accepting for the retry delay, keeps serving the connection it has,
    /// and accepts the waiting client once fds are free again.
    fn accept_survives_running_out_of_fds(kind) {
        use nix::sys::resource::{Resource, getrlimit, setrlimit};

        let lp = EventLoop::with_kind(kind)?;
        let reports = Rc::new(RefCell::new(Vec::new()));
        let sink = reports.clone();
        lp.set_report_handler(move |r: &Report| sink.borrow_mut().push(r.clone()));
        let seen = Rc::new(Seen::default());
        let server = probe_server(&lp, &seen, true, false)?;
        server.set_accept_retry_delay(Duration::from_millis(50));
        let addr = server.local_addr();

        let mut first = client(addr)?;
        run_until(&lp, "the first connection", || server.accepted() == 1)?;

        // Leave the process a few fds, then take them all.
        let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).map_err(io::Error::from)?;
        setrlimit(Resource::RLIMIT_NOFILE, open_fds() as u64 + 8, hard).map_err(io::Error::from)?;
        let mut second = client(addr)?;
        let mut fillers = Vec::new();
        loop {
            match File::open("/dev/null") {
                Ok(f) => fillers.push(f),
                Err(e) if e.raw_os_error() == Some(nix::errno::Errno::EMFILE as i32) => break,
                Err(e) => return Err(e),
            }
        }
        run_until(&lp, "the EMFILE report", || !reports.borrow().is_empty())?;
        let report = reports.borrow()[0].clone();
        assert!(
            matches!(&report, Report::Error { context, message, .. }
                if context.contains("out of fds") && message.contains("Too many open files")),
            "{report}"
        );
        assert!(!server.is_accepting(), "it backed off instead of spinning");

        // The connection it has is still served.
        first.set_nonblocking(true)?;
        first.write_all(b"still here")?;
        let mut echoed = Vec::new();
        run_until(&lp, "the first client's echo", || {
            read_available(&mut first, &mut echoed).is_ok() && echoed == b"still here"
        })?;

        // Free the fds: after the delay, the waiting client is accepted.
        drop(fillers);
        setrlimit(Resource::RLIMIT_NOFILE, soft, hard).map_err(io::Error::from)?;
        second.set_nonblocking(true)?;
        second.write_all(b"me too")?;
        let mut echoed = Vec::new();
        run_until(&lp, "the second client's echo", || {
            read_available(&mut second, &mut echoed).is_ok() && echoed == b"me too"
        })?;
        assert_eq!(server.accepted(), 2);
        assert!(server.is_accepting());
        server.close();
        Ok(())
    }

    /// Dropping the loop with connections still open frees them: the
    /// protocols are dropped (breaking the transport <-> protocol cycle) and
    /// every socket is closed, without `connection_lost`.
    fn dropping_the_loop_frees_open_connections(kind) {
        let before = open_fds();
        let seen = Rc::new(Seen::default());
        let clients = {
            let lp = EventLoop::with_kind(kind)?;
            let server = probe_server(&lp, &seen, true, false)?;
            let clients = [client(server.local_addr())?, client(server.local_addr())?];
            run_until(&lp, "both connections", || {
                seen.events.borrow().iter().filter(|e| **e == Ev::Made).count() == 2
            })?;
            // The probes keep their transport: a cycle only the loop can break.
            seen.transport.borrow_mut().take();
            clients
        };
        assert_eq!(seen.dropped.get(), 2, "both protocols were dropped");
        assert!(!seen.events().iter().any(|e| matches!(e, Ev::Lost(_))));
        for mut c in clients {
            let mut rest = Vec::new();
            c.read_to_end(&mut rest)?;
        }
        assert_eq!(open_fds(), before);
        Ok(())
    }
}

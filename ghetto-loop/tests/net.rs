//! Async TCP on the reactor (chapter 15), each rule on all three selectors:
//! echo, connect errors, transfers bigger than the socket buffers, bad
//! peers, and the reactor's own promises (no selector call per request, a
//! woken task runs in the pass that saw its fd, a socket is deregistered
//! before its fd is closed).

mod util;

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream as StdStream};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use course::line_client::echo_all;
use ghetto_loop::event_loop::{EventLoop, Pass};
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::sys::{Doorbell, Event, Interest, Selector, SelectorKind, Token, fault};
use ghetto_loop::task;
use util::{PATIENCE, conformance};

/// An echo task per connection, until end-of-file.
async fn echo_forever(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        task::spawn(async move {
            let mut buf = vec![0; 4096];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

/// A blocking client with a bounded patience.
fn client(addr: SocketAddr) -> io::Result<StdStream> {
    let c = StdStream::connect(addr)?;
    c.set_read_timeout(Some(PATIENCE))?;
    c.set_write_timeout(Some(PATIENCE))?;
    Ok(c)
}

/// `rounds` paced 64-byte round trips from a thread.
fn paced_client(addr: SocketAddr, rounds: usize) -> thread::JoinHandle<io::Result<()>> {
    thread::spawn(move || {
        let mut c = client(addr)?;
        let mut buf = [0u8; 64];
        for i in 0..rounds {
            c.write_all(&[i as u8; 64])?;
            c.read_exact(&mut buf)?;
            assert_eq!(buf, [i as u8; 64]);
        }
        Ok(())
    })
}

/// A selector that counts the calls that change what it watches, and
/// checks that every fd is still open when it is deregistered.
#[derive(Debug)]
struct Counting {
    inner: Box<dyn Selector>,
    changes: Arc<AtomicUsize>,
    closed_before_deregister: Arc<Mutex<Vec<i32>>>,
}

impl Selector for Counting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn register(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        self.changes.fetch_add(1, Ordering::SeqCst);
        self.inner.register(fd, token, interest)
    }
    fn modify(&mut self, fd: BorrowedFd<'_>, token: Token, interest: Interest) -> io::Result<()> {
        self.changes.fetch_add(1, Ordering::SeqCst);
        self.inner.modify(fd, token, interest)
    }
    fn deregister(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.changes.fetch_add(1, Ordering::SeqCst);
        if nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETFD).is_err() {
            self.closed_before_deregister
                .lock()
                .unwrap()
                .push(fd.as_raw_fd());
        }
        self.inner.deregister(fd)
    }
    fn wait(&mut self, events: &mut Vec<Event>, timeout: Option<Duration>) -> io::Result<()> {
        self.inner.wait(events, timeout)
    }
    fn doorbell(&self) -> Doorbell {
        self.inner.doorbell()
    }
}

/// Fds that were already closed when they were deregistered.
type ClosedFirst = Arc<Mutex<Vec<i32>>>;

/// A loop over a counting selector of `kind`, with its count of selector
/// changes and its list of fds closed before being deregistered.
fn counting_loop(kind: SelectorKind) -> io::Result<(EventLoop, Arc<AtomicUsize>, ClosedFirst)> {
    let changes = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(Mutex::new(Vec::new()));
    let selector = Counting {
        inner: kind.open()?,
        changes: changes.clone(),
        closed_before_deregister: closed.clone(),
    };
    Ok((
        EventLoop::with_selector(Box::new(selector)),
        changes,
        closed,
    ))
}

conformance! {
    /// Connect, write, read back: through the loop, both ends async.
    fn echo_between_two_async_ends(kind) {
        let lp = EventLoop::with_kind(kind)?;
        lp.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
            let addr = listener.local_addr()?;
            let server = task::spawn(echo_forever(listener));
            let stream = TcpStream::connect(addr).await?;
            assert_eq!(stream.peer_addr()?, addr);
            for word in ["one", "two", "three"] {
                stream.write_all(word.as_bytes()).await?;
                let mut got = vec![0; word.len()];
                stream.read_exact(&mut got).await?;
                assert_eq!(got, word.as_bytes());
            }
            server.abort();
            Ok::<(), io::Error>(())
        })??;
        Ok(())
    }

    /// A refused connection is an error from `connect`, read from SO_ERROR.
    fn a_refused_connect_is_an_error(kind) {
        let lp = EventLoop::with_kind(kind)?;
        // A port that was just free: bound, then closed.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let err = lp.block_on(TcpStream::connect(addr))?.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        Ok(())
    }

    /// 8 MiB each way through one connection: writes wait for room, reads
    /// for data, and every byte arrives in order.
    fn a_transfer_bigger_than_the_socket_buffers(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
        let addr = listener.local_addr()?;
        let data: Vec<u8> = (0..8u32 << 20).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let peer = thread::spawn(move || -> io::Result<Vec<u8>> {
            echo_all(&client(addr)?, &sent)
        });
        lp.block_on(async {
            let (stream, _) = listener.accept().await?;
            let mut buf = vec![0; 64 * 1024];
            loop {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return stream.shutdown(ghetto_loop::sys::Shutdown::Write);
                }
                stream.write_all(&buf[..n]).await?;
            }
        })??;
        let got = peer.join().unwrap()?;
        assert!(got == data, "echoed {} of {} bytes, in order", got.len(), data.len());
        Ok(())
    }

    /// A peer that resets while the server writes to it gives that task an
    /// error; a peer that never reads blocks only its own task; meanwhile a
    /// third client is served.
    fn bad_peers_hurt_only_their_own_task(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
        let addr = listener.local_addr()?;
        let errors = Rc::new(RefCell::new(Vec::new()));
        lp.spawn(echo_recording_errors(listener, errors.clone()));
        let done = Flag::default();
        let finished = done.clone();
        let clients = thread::spawn(move || -> io::Result<StdStream> {
            let silent = flood_until_full(client(addr)?)?;
            // Closing with unread data in its receive buffer sends a reset.
            drop(flood_until_full(client(addr)?)?);
            paced_client(addr, 20).join().unwrap()?;
            finished.set();
            Ok(silent)
        });
        lp.block_on(done.wait())?;
        lp.block_on(until(|| !errors.borrow().is_empty()))?;
        let silent = clients.join().unwrap()?;
        let errors = errors.borrow();
        assert!(
            matches!(errors[..], [io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe]),
            "the reset peer's task, and only it, got an error: {errors:?}"
        );
        drop(silent);
        Ok(())
    }

    /// Steady-state requests change nothing in the selector: the fd stays
    /// registered and its interest stays put (no epoll_ctl per read).
    fn no_selector_change_per_request(kind) {
        let (lp, changes, _) = counting_loop(kind)?;
        let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
        let addr = listener.local_addr()?;
        lp.spawn(echo_forever(listener));
        let done = Flag::default();
        let finished = done.clone();
        let c = thread::spawn(move || {
            let result = paced_client(addr, 500).join().unwrap();
            finished.set();
            result
        });
        lp.block_on(done.wait())?;
        c.join().unwrap()?;
        let changes = changes.load(Ordering::SeqCst);
        // Injected spurious events for an fd nobody waits on shrink its
        // interest, as they should; the count holds only without them.
        if fault::enabled() {
            return Ok(());
        }
        // The listener once, the connection once (plus its deregistration
        // at the end, maybe a removal after an unwatched event): a handful,
        // not one per request.
        assert!(changes <= 6, "{changes} selector changes for 500 requests");
        Ok(())
    }

    /// A task woken because its fd is ready runs in the same pass: every
    /// pass that woke tasks also ran them.
    fn a_woken_task_runs_in_the_same_pass(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let passes = Rc::new(RefCell::new(Vec::<Pass>::new()));
        let sink = passes.clone();
        lp.on_pass(move |p| sink.borrow_mut().push(*p));
        let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
        let addr = listener.local_addr()?;
        lp.spawn(echo_forever(listener));
        let done = Flag::default();
        let finished = done.clone();
        let c = thread::spawn(move || {
            let result = paced_client(addr, 100).join().unwrap();
            finished.set();
            result
        });
        lp.block_on(done.wait())?;
        c.join().unwrap()?;
        let passes = passes.borrow();
        let woke: Vec<&Pass> = passes.iter().filter(|p| p.io_callbacks > 0).collect();
        assert!(woke.len() >= 100, "each request woke the echo task");
        for pass in woke {
            assert!(pass.ran >= pass.io_callbacks, "woken but not run in the same pass: {pass:?}");
        }
        Ok(())
    }

    /// A socket is deregistered before its fd is closed: when its task
    /// ends, and when its task is aborted while waiting on it.
    fn sockets_are_deregistered_before_their_fd_closes(kind) {
        let (lp, _, closed_first) = counting_loop(kind)?;
        let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
        let addr = listener.local_addr()?;
        let done = Flag::default();
        let finished = done.clone();
        let (to_main, from_thread) = std::sync::mpsc::channel();
        let c = thread::spawn(move || -> io::Result<()> {
            paced_client(addr, 3).join().unwrap()?;
            let idle = client(addr)?;
            to_main.send(()).unwrap();
            finished.set();
            // Keep it open until the server side was aborted.
            let mut byte = [0];
            let _ = (&idle).read(&mut byte);
            Ok(())
        });
        lp.block_on(async {
            let (first, _) = listener.accept().await?;
            let mut buf = [0u8; 64];
            for _ in 0..3 {
                first.read_exact(&mut buf).await?;
                first.write_all(&buf).await?;
            }
            drop(first);
            let (second, _) = listener.accept().await?;
            let waiting = task::spawn(async move {
                let mut buf = [0u8; 1];
                second.read(&mut buf).await
            });
            done.wait().await;
            task::yield_now().await;
            waiting.abort();
            assert!(waiting.await.unwrap_err().is_cancelled());
            Ok::<(), io::Error>(())
        })??;
        drop(lp);
        from_thread.recv().unwrap();
        c.join().unwrap()?;
        assert_eq!(*closed_first.lock().unwrap(), Vec::<i32>::new());
        Ok(())
    }
}

/// Accepts and echoes; each connection's error, if any, is pushed on
/// `errors`.
async fn echo_recording_errors(listener: TcpListener, errors: Rc<RefCell<Vec<io::ErrorKind>>>) {
    while let Ok((stream, _)) = listener.accept().await {
        let errors = errors.clone();
        task::spawn(async move {
            let mut buf = vec![0; 4096];
            let result = async {
                loop {
                    let n = stream.read(&mut buf).await?;
                    if n == 0 {
                        return Ok::<(), io::Error>(());
                    }
                    stream.write_all(&buf[..n]).await?;
                }
            };
            if let Err(e) = result.await {
                errors.borrow_mut().push(e.kind());
            }
        });
    }
}

/// Writes to `c` without reading until the kernel takes no more: the
/// server's echo of it fills our receive buffer and blocks its writer.
fn flood_until_full(c: StdStream) -> io::Result<StdStream> {
    c.set_nonblocking(true)?;
    let chunk = [b'z'; 64 * 1024];
    let mut quiet_rounds = 0;
    // Full means: nothing taken for a few rounds after the server had time
    // to echo what it could (bounded, so a broken server fails, not hangs).
    while quiet_rounds < 20 {
        match (&c).write(&chunk) {
            Ok(_) => quiet_rounds = 0,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                quiet_rounds += 1;
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(c)
}

/// A flag another thread sets; awaiting it parks the task until then.
#[derive(Clone, Default)]
struct Flag(Arc<Mutex<(bool, Option<std::task::Waker>)>>);

impl Flag {
    fn set(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut state = self.0.lock().unwrap();
            if state.0 {
                return std::task::Poll::Ready(());
            }
            state.1 = Some(cx.waker().clone());
            std::task::Poll::Pending
        })
        .await
    }
}

/// Waits until `condition` holds, checking every few milliseconds on the
/// loop's timers; panics after `PATIENCE`.
async fn until(condition: impl Fn() -> bool) {
    let lp = ghetto_loop::event_loop::LoopHandle::current();
    let deadline = std::time::Instant::now() + PATIENCE;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "not within {PATIENCE:?}"
        );
        let tick = lp.create_future::<()>();
        let setter = tick.clone();
        lp.call_later(Duration::from_millis(5), move || {
            let _ = setter.set_result(());
        });
        let _ = tick.await;
    }
}

conformance! {
    /// `readable` waits without a buffer; `try_read`/`try_write` never
    /// wait; a `WouldBlock` makes the next `readable` wait for the selector.
    fn readable_then_try_read(kind) {
        let lp = EventLoop::with_kind(kind)?;
        let listener = TcpListener::bind_on(&lp, "127.0.0.1:0".parse().unwrap())?;
        let mut c = client(listener.local_addr()?)?;
        let got = lp.block_on(async {
            let (stream, _) = listener.accept().await?;
            let mut buf = [0u8; 8];
            let nothing = stream.try_read(&mut buf).unwrap_err();
            assert_eq!(nothing.kind(), io::ErrorKind::WouldBlock, "nothing sent yet");
            c.write_all(b"hey")?;
            // Readiness is a hint: a `try_read` after `readable` may still
            // say WouldBlock (a spurious event), so the caller loops, as
            // tokio's documentation of the same pair tells you to; and a
            // read may return part of what was sent.
            let mut n = 0;
            while n < 3 {
                stream.readable().await?;
                match stream.try_read(&mut buf[n..]) {
                    Ok(0) => break,
                    Ok(got) => n += got,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Err(e),
                }
            }
            let mut reply: &[u8] = b"ok";
            while !reply.is_empty() {
                stream.writable().await?;
                match stream.try_write(reply) {
                    Ok(n) => reply = &reply[n..],
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Err(e),
                }
            }
            Ok::<_, io::Error>(buf[..n].to_vec())
        })??;
        assert_eq!(got, b"hey");
        let mut reply = [0u8; 2];
        c.read_exact(&mut reply)?;
        assert_eq!(&reply, b"ok");
        Ok(())
    }
}

/// Two loops on two threads listen on one port with `SO_REUSEPORT`; the
/// kernel spreads connections between them, and each loop serves its own.
/// Without the option the second bind fails with `AddrInUse`.
#[test]
fn two_loops_share_one_port_with_reuse_port() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let first = TcpListener::bind_reuse_port_on(&lp, "127.0.0.1:0".parse().unwrap())?;
    let addr = first.local_addr()?;
    let plain = TcpListener::bind_on(&lp, addr);
    assert_eq!(
        plain.map(drop).map_err(|e| e.kind()),
        Err(io::ErrorKind::AddrInUse),
        "a listener without SO_REUSEPORT may not join the port"
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let other = thread::spawn(move || -> io::Result<()> {
        let lp = EventLoop::new()?;
        let second = TcpListener::bind_reuse_port_on(&lp, addr)?;
        lp.spawn(echo_forever(second));
        let remote = lp.remote();
        tx.send(remote).expect("the test waits for the second loop");
        lp.run_forever()
    });
    let second_loop = rx.recv_timeout(PATIENCE).expect("the second loop started");
    lp.spawn(echo_forever(first));
    let served = lp.block_on(async move {
        // Connections from many source ports hash to both listeners; every
        // one is echoed, whichever loop took it.
        task::spawn_named("clients", async move {
            let mut served = 0;
            for i in 0..32u8 {
                let c = TcpStream::connect(addr).await?;
                c.write_all(&[i]).await?;
                let mut b = [0];
                c.read_exact(&mut b).await?;
                assert_eq!(b, [i]);
                served += 1;
            }
            Ok::<usize, io::Error>(served)
        })
        .await
        .expect("the clients task does not panic")
    })??;
    assert_eq!(served, 32);
    second_loop.call_soon_threadsafe(|| ghetto_loop::event_loop::LoopHandle::current().stop())?;
    drop(second_loop);
    other.join().expect("the second loop does not panic")
}

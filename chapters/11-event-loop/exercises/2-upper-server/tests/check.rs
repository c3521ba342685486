//! The specification of exercise 11-2: do not edit; make it pass.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;

use course::testing::PATIENCE;
use ex11_2_upper_server::serve_upper;
use ghetto_loop::event_loop::{EventLoop, LoopHandle, Remote};
use ghetto_loop::sys::Socket;

/// Your server on a loop of its own thread: its address, a way to stop it,
/// and the thread.
fn start() -> (SocketAddr, Remote, thread::JoinHandle<io::Result<()>>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = thread::spawn(move || -> io::Result<()> {
        let lp = EventLoop::new()?;
        let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 64)?;
        let addr = listener.local_addr()?;
        let started = serve_upper(&lp, listener);
        let _ = tx.send((addr, lp.remote()));
        started?;
        lp.run_forever()
    });
    let (addr, remote) = rx.recv_timeout(PATIENCE).expect("serve_upper returned");
    (addr, remote, server)
}

fn stop(remote: Remote, server: thread::JoinHandle<io::Result<()>>) -> io::Result<()> {
    remote.call_soon_threadsafe(|| LoopHandle::current().stop())?;
    drop(remote);
    server.join().expect("the server thread panicked")
}

fn client(addr: SocketAddr) -> io::Result<TcpStream> {
    let c = TcpStream::connect(addr)?;
    c.set_read_timeout(Some(PATIENCE))?;
    Ok(c)
}

fn ask(c: &mut TcpStream, line: &str) -> io::Result<String> {
    c.write_all(line.as_bytes())?;
    let mut got = vec![0; line.len()];
    c.read_exact(&mut got)?;
    Ok(String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn three_clients_at_once() -> io::Result<()> {
    let (addr, remote, server) = start();
    let mut a = client(addr)?;
    let mut b = client(addr)?;
    let mut c = client(addr)?;
    assert_eq!(ask(&mut a, "hello\n")?, "HELLO\n");
    assert_eq!(ask(&mut b, "from b\n")?, "FROM B\n");
    assert_eq!(ask(&mut c, "and c\n")?, "AND C\n");
    assert_eq!(ask(&mut a, "a again\n")?, "A AGAIN\n");
    drop((a, b, c));
    stop(remote, server)
}

#[test]
fn a_client_that_leaves_is_closed_and_others_are_still_served() -> io::Result<()> {
    let (addr, remote, server) = start();
    let mut stays = client(addr)?;
    let mut leaves = client(addr)?;
    leaves.write_all(b"bye\n")?;
    leaves.shutdown(Shutdown::Write)?;
    let mut got = Vec::new();
    leaves.read_to_end(&mut got)?;
    assert_eq!(
        got, b"BYE\n",
        "the reply, then the server closed the connection"
    );
    assert_eq!(ask(&mut stays, "still here\n")?, "STILL HERE\n");
    drop((stays, leaves));
    stop(remote, server)
}

/// A client that sends and never reads fills its own buffers, then the
/// server's: the server's next `write` says `WouldBlock`, and the server must
/// let that client go rather than wait for it (a wait that stops the loop,
/// and with it every other client).
#[test]
fn a_client_that_stops_reading_is_let_go_and_others_are_still_served() -> io::Result<()> {
    let (addr, remote, server) = start();
    let mut stays = client(addr)?;
    let hog = client(addr)?;
    // Bounded: if the server never lets go, this write stalls until the
    // timeout instead of failing at once.
    hog.set_write_timeout(Some(PATIENCE))?;
    let writer = thread::spawn(move || {
        let chunk = [b'x'; 64 * 1024];
        let ended = loop {
            if let Err(e) = (&hog).write_all(&chunk) {
                break e;
            }
        };
        // Kept open: the server must have closed it on its own.
        (hog, ended)
    });
    let (hog, ended) = writer.join().expect("the writing thread panicked");
    assert!(
        !matches!(
            ended.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "the server never let go of a client that stopped reading: {ended}"
    );
    assert_eq!(ask(&mut stays, "still served\n")?, "STILL SERVED\n");
    drop((stays, hog));
    stop(remote, server)
}

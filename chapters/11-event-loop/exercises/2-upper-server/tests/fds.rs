//! The specification of exercise 11-2, part two: no fd is left open. Do not
//! edit; make it pass. (A file of its own, so it runs in a process of its own:
//! the count would include other tests' sockets.)

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;

use course::testing::{PATIENCE, open_fds};
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
fn no_fd_is_left_open() -> io::Result<()> {
    let before = open_fds();
    let (addr, remote, server) = start();
    for i in 0..20 {
        let mut c = client(addr)?;
        assert_eq!(
            ask(&mut c, &format!("client {i}\n"))?,
            format!("CLIENT {i}\n")
        );
        c.shutdown(Shutdown::Write)?;
        let mut rest = Vec::new();
        c.read_to_end(&mut rest)?;
    }
    stop(remote, server)?;
    assert_eq!(open_fds(), before);
    Ok(())
}

//! The callback echo server: many clients on one thread, replies bigger than
//! the socket takes at once, clients that leave, and no fd left behind.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;

use ch11_event_loop::echo;
use course::line_client::{all_speak_then_read, echo_all};
use course::testing::{PATIENCE, open_fds};
use ghetto_loop::event_loop::{EventLoop, LoopHandle, Remote};
use ghetto_loop::sys::Socket;

/// Runs the echo server on a loop in a thread of its own; returns its
/// address, a way to stop it, and the thread.
fn spawn_server() -> (SocketAddr, Remote, thread::JoinHandle<io::Result<()>>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = thread::spawn(move || -> io::Result<()> {
        let lp = EventLoop::new()?;
        let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), echo::BACKLOG)?;
        let addr = listener.local_addr()?;
        echo::start(&lp, listener)?;
        tx.send((addr, lp.remote())).expect("the test is waiting");
        lp.run_forever()
    });
    let (addr, remote) = rx.recv_timeout(PATIENCE).expect("the server started");
    (addr, remote, server)
}

fn stop(remote: Remote, server: thread::JoinHandle<io::Result<()>>) -> io::Result<()> {
    remote.call_soon_threadsafe(|| LoopHandle::current().stop())?;
    drop(remote);
    server.join().expect("the server thread does not panic")
}

fn client(addr: SocketAddr) -> io::Result<TcpStream> {
    let c = TcpStream::connect(addr)?;
    c.set_read_timeout(Some(PATIENCE))?;
    c.set_write_timeout(Some(PATIENCE))?;
    Ok(c)
}

#[test]
fn fifty_clients_at_once_on_one_thread() -> io::Result<()> {
    course::testing::alone(|| {
        let before = open_fds();
        let (addr, remote, server) = spawn_server();
        // All connected before any is served: each waits on a loop that serves
        // the others too.
        let mut clients: Vec<TcpStream> =
            (0..50).map(|_| client(addr)).collect::<io::Result<_>>()?;
        let lines: Vec<String> = (0..50).map(|i| format!("client {i}\n")).collect();
        let echoes = all_speak_then_read(&mut clients, &lines)?;
        for (got, want) in echoes.iter().zip(&lines) {
            assert_eq!(got, want.as_bytes());
        }
        drop(clients);
        stop(remote, server)?;
        assert_eq!(open_fds(), before);
        Ok(())
    })
}

#[test]
fn a_reply_bigger_than_the_socket_takes_arrives_whole() -> io::Result<()> {
    course::testing::alone(|| {
        let before = open_fds();
        let (addr, remote, server) = spawn_server();
        let c = client(addr)?;
        let data: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 253) as u8).collect();
        // The server's replies back up into its unsent buffer, and it stops
        // reading until they drain.
        let got = echo_all(&c, &data)?;
        assert!(
            got == data,
            "echoed {} of {} bytes, in order",
            got.len(),
            data.len()
        );
        drop(c);
        stop(remote, server)?;
        assert_eq!(open_fds(), before);
        Ok(())
    })
}

#[test]
fn a_client_that_leaves_is_closed_and_the_others_go_on() -> io::Result<()> {
    course::testing::alone(|| {
        let before = open_fds();
        let (addr, remote, server) = spawn_server();
        let mut stays = client(addr)?;
        let mut leaves = client(addr)?;
        leaves.write_all(b"bye\n")?;
        leaves.shutdown(Shutdown::Write)?;
        let mut got = Vec::new();
        leaves.read_to_end(&mut got)?;
        assert_eq!(got, b"bye\n", "echoed, then closed by the server at EOF");
        stays.write_all(b"still here\n")?;
        let mut echo = [0u8; 11];
        stays.read_exact(&mut echo)?;
        assert_eq!(&echo, b"still here\n");
        drop((stays, leaves));
        stop(remote, server)?;
        assert_eq!(open_fds(), before);
        Ok(())
    })
}

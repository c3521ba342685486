//! The specification of exercise 02-1: every client is served at once, and
//! `serve` returns each one's outcome after all have left.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use course::testing::PATIENCE;
use ex02_1_thread_per_client::serve;
use ghetto_loop::sys::Socket;

type Outcomes = io::Result<Vec<io::Result<u64>>>;

fn start(clients: usize) -> io::Result<(SocketAddr, JoinHandle<Outcomes>)> {
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), 64)?;
    let addr = listener.local_addr()?;
    Ok((addr, thread::spawn(move || serve(&listener, clients))))
}

/// A client whose reads are bounded, so a broken `serve` fails the test
/// instead of hanging it.
fn client(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    Ok(stream)
}

fn read_line(stream: &TcpStream) -> io::Result<String> {
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line)?;
    Ok(line)
}

fn finish(server: JoinHandle<Outcomes>) -> Vec<io::Result<u64>> {
    server
        .join()
        .expect("serve panicked")
        .expect("serve's accept failed")
}

#[test]
fn thirty_clients_that_all_talk_before_listening_are_all_answered() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, server) = start(30)?;
        let mut clients = (0..30)
            .map(|_| client(addr))
            .collect::<io::Result<Vec<_>>>()?;
        for (i, c) in clients.iter_mut().enumerate() {
            c.write_all(format!("client {i}\n").as_bytes())?;
        }
        for (i, c) in clients.iter().enumerate() {
            assert_eq!(read_line(c)?, format!("client {i}\n"), "client {i}");
        }
        drop(clients);
        assert_eq!(finish(server).len(), 30);
        Ok(())
    })
}

#[test]
fn outcomes_come_in_accept_order_with_each_clients_bytes() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, server) = start(3)?;
        // Connect in order, then leave in reverse order: the entries still
        // follow the order the clients were accepted in.
        let mut a = client(addr)?;
        let mut b = client(addr)?;
        let mut c = client(addr)?;
        a.write_all(b"a\n")?;
        b.write_all(b"bb\n")?;
        c.write_all(b"ccc\n")?;
        for (stream, line) in [(&c, "ccc\n"), (&b, "bb\n"), (&a, "a\n")] {
            assert_eq!(read_line(stream)?, line);
        }
        for stream in [&mut c, &mut b, &mut a] {
            stream.shutdown(Shutdown::Write)?;
            stream.read_to_end(&mut Vec::new())?;
        }
        let bytes: Vec<u64> = finish(server)
            .into_iter()
            .map(|o| o.expect("no client failed"))
            .collect();
        assert_eq!(bytes, [2, 3, 4]);
        Ok(())
    })
}

#[test]
fn serve_returns_only_after_every_client_has_left() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, server) = start(2)?;
        let mut quick = client(addr)?;
        let slow = client(addr)?;
        quick.shutdown(Shutdown::Write)?;
        quick.read_to_end(&mut Vec::new())?;
        // Both are accepted and the quick one is gone; the slow one is still
        // connected, so `serve` must still be waiting for its thread.
        let mut probe = [0u8; 1];
        slow.set_read_timeout(Some(Duration::from_millis(200)))?;
        assert!((&slow).read(&mut probe).is_err(), "nothing to read yet");
        assert!(
            !server.is_finished(),
            "serve returned before every client left"
        );
        drop(slow);
        assert_eq!(finish(server).len(), 2);
        Ok(())
    })
}

#[test]
fn a_client_that_resets_is_recorded_and_does_not_stop_the_others() -> io::Result<()> {
    course::testing::panics_first(|| {
        let (addr, server) = start(2)?;
        let mut rude = client(addr)?;
        let mut polite = client(addr)?;
        rude.write_all(b"bye\n")?;
        // Leave the echo unread and close: the kernel resets the connection.
        let mut peek = [0u8; 4];
        assert!(rude.peek(&mut peek)? > 0);
        drop(rude);
        polite.write_all(b"hello\n")?;
        assert_eq!(read_line(&polite)?, "hello\n");
        drop(polite);
        let outcomes = finish(server);
        assert_eq!(
            outcomes[0].as_ref().map_err(|e| e.kind()).unwrap_err(),
            io::ErrorKind::ConnectionReset
        );
        assert_eq!(outcomes[1].as_ref().ok(), Some(&6));
        Ok(())
    })
}

//! The async echo server, on every selector: many clients on one thread,
//! replies bigger than the socket buffers, clients that leave, reset or
//! never read, and no fd left behind.

mod util;

use std::io::{self, Read, Write};
use std::net::Shutdown;

use course::line_client::{all_speak_then_read, connect, echo_all, echo_bytes};
use util::{Server, alone, on_every_selector, open_fds};

on_every_selector! {
    /// All fifty connect before any is served: each waits on the one loop
    /// that serves the others too.
    fn fifty_clients_at_once_on_one_thread(kind) {
        alone(|| {
            let before = open_fds();
            let server = Server::start(kind);
            let mut clients = (0..50).map(|_| connect(server.addr)).collect::<io::Result<Vec<_>>>()?;
            let lines: Vec<String> = (0..50).map(|i| format!("client {i}\n")).collect();
            let echoes = all_speak_then_read(&mut clients, &lines)?;
            for (got, want) in echoes.iter().zip(&lines) {
                assert_eq!(got, want.as_bytes());
            }
            drop(clients);
            server.stop()?;
            assert_eq!(open_fds(), before);
            Ok(())
        })
    }

    /// 8 MiB sent before anything is read: the server's writes wait for
    /// room (its task pends on the socket's writability), and every byte
    /// comes back, in order.
    fn a_reply_bigger_than_the_socket_buffers_arrives_whole(kind) {
        alone(|| {
            let before = open_fds();
            let server = Server::start(kind);
            let c = connect(server.addr)?;
            let data: Vec<u8> = (0..8 << 20).map(|i: u32| (i % 251) as u8).collect();
            let got = echo_all(&c, &data)?;
            assert!(got == data, "echoed {} of {} bytes, in order", got.len(), data.len());
            let peer = c.local_addr()?;
            assert_eq!(server.wait_for_end(peer), Ok(()));
            drop(c);
            server.stop()?;
            assert_eq!(open_fds(), before);
            Ok(())
        })
    }

    /// A client that says goodbye is echoed, then closed by the server (its
    /// task ends at end-of-file and drops the socket); the other goes on.
    fn a_client_that_leaves_is_closed_and_the_others_go_on(kind) {
        alone(|| {
            let before = open_fds();
            let server = Server::start(kind);
            let mut stays = connect(server.addr)?;
            echo_bytes(&mut stays, b"hello\n")?;
            let with_one = open_fds();

            let mut leaves = connect(server.addr)?;
            leaves.write_all(b"bye\n")?;
            leaves.shutdown(Shutdown::Write)?;
            let mut got = Vec::new();
            leaves.read_to_end(&mut got)?;
            assert_eq!(got, b"bye\n", "echoed, then closed by the server at EOF");
            assert_eq!(server.wait_for_end(leaves.local_addr()?), Ok(()));
            drop(leaves);
            assert_eq!(open_fds(), with_one, "the server closed its side");

            echo_bytes(&mut stays, b"still here\n")?;
            drop(stays);
            server.stop()?;
            assert_eq!(open_fds(), before);
            Ok(())
        })
    }

    /// A client that resets: its task ends with the error, and only its
    /// task; the other client is served after.
    fn a_client_that_resets_does_not_stop_the_others(kind) {
        alone(|| {
            let before = open_fds();
            let server = Server::start(kind);
            let mut steady = connect(server.addr)?;
            echo_bytes(&mut steady, b"before\n")?;
            let with_one = open_fds();

            let mut resetter = connect(server.addr)?;
            let peer = resetter.local_addr()?;
            resetter.write_all(b"abc")?;
            // The echo is here, unread: closing now makes the kernel send a
            // reset instead of an end-of-file.
            let mut peek = [0u8; 3];
            while resetter.peek(&mut peek)? < peek.len() {}
            drop(resetter);
            assert_eq!(server.wait_for_end(peer), Err(io::ErrorKind::ConnectionReset));
            assert_eq!(open_fds(), with_one, "the server closed the reset socket");

            echo_bytes(&mut steady, b"after\n")?;
            drop(steady);
            server.stop()?;
            assert_eq!(open_fds(), before);
            Ok(())
        })
    }

    /// A client that sends and never reads: the server's task for it waits
    /// to write, and waits alone; the other client is served meanwhile.
    /// When the hog finally resets, its task ends with the error.
    fn a_client_that_never_reads_does_not_stop_the_others(kind) {
        alone(|| {
            let before = open_fds();
            let server = Server::start(kind);
            let mut steady = connect(server.addr)?;
            echo_bytes(&mut steady, b"before\n")?;
            let with_one = open_fds();

            let hog = connect(server.addr)?;
            let peer = hog.local_addr()?;
            hog.set_nonblocking(true)?;
            let chunk = [b'x'; 64 * 1024];
            let mut sent = 0usize;
            loop {
                match (&hog).write(&chunk) {
                    Ok(n) => sent += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e.into()),
                }
                assert!(sent < 256 << 20, "the server read 256 MiB it could not echo");
            }
            for i in 0..3 {
                echo_bytes(&mut steady, format!("while the hog waits {i}\n").as_bytes())?;
            }
            assert!(server.ended.try_recv().is_err(), "no task ended meanwhile");

            drop(hog);
            let how = server.wait_for_end(peer);
            assert!(
                matches!(how, Err(io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe)),
                "{how:?}"
            );
            assert_eq!(open_fds(), with_one, "the server closed the hog's socket");
            echo_bytes(&mut steady, b"after\n")?;
            drop(steady);
            server.stop()?;
            assert_eq!(open_fds(), before);
            Ok(())
        })
    }
}

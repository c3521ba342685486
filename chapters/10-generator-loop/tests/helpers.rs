//! The generator helpers on their own, resumed by hand (no loop): they yield
//! "wait" exactly when the socket would block, and `sendall` finishes a
//! write the kernel took only part of.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::Duration;

use ch08_generators::{Generator, GeneratorState};
use ch10_generator_loop::Call;
use ch10_generator_loop::io::{accept, recv, sendall};
use course::testing::PATIENCE;
use ghetto_loop::sys::{Interest, Socket};

/// A non-blocking listener and the `std` address to reach it.
fn listener() -> Rc<Socket> {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 8).unwrap();
    listener.set_nonblocking(true).unwrap();
    Rc::new(listener)
}

/// A connected pair: our non-blocking socket and a blocking peer.
fn pair() -> (Rc<Socket>, TcpStream) {
    let listener = listener();
    let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    peer.set_read_timeout(Some(PATIENCE)).unwrap();
    let (ours, _) = loop {
        match listener.accept() {
            Ok(accepted) => break accepted,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    };
    ours.set_nonblocking(true).unwrap();
    (Rc::new(ours), peer)
}

/// Resumes `generator` until it completes, napping 1 ms whenever it waits
/// (standing in for the loop); gives up after 10 s so a bug fails the test.
fn resume_until_complete<R>(generator: &mut impl Generator<Yield = Call, Return = R>) -> R {
    for _ in 0..10_000 {
        match generator.resume(()) {
            GeneratorState::Complete(result) => return result,
            GeneratorState::Yielded(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    panic!("still waiting after 10 s");
}

/// Asserts that `state` is "wait until `socket` is ready for `interest`".
fn assert_waits_on<R: std::fmt::Debug>(
    state: GeneratorState<Call, R>,
    socket: &Rc<Socket>,
    interest: Interest,
) {
    match state {
        GeneratorState::Yielded(Call::Wait(s, i)) => {
            assert!(Rc::ptr_eq(&s, socket), "waits on fd {}", s.as_raw_fd());
            assert_eq!(i, interest);
        }
        other => panic!("expected a wait for {interest:?}, got {other:?}"),
    }
}

#[test]
fn accept_waits_until_a_client_comes_then_returns_it() {
    let listener = listener();
    let mut accepting = accept(&listener);
    assert_waits_on(accepting.resume(()), &listener, Interest::READABLE);
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    // The connection is queued once connect returns.
    match accepting.resume(()) {
        GeneratorState::Complete(Ok((_, peer))) => assert_eq!(peer, client.local_addr().unwrap()),
        other => panic!("expected the connection, got {other:?}"),
    }
}

#[test]
fn recv_waits_first_then_reads_what_is_there() {
    let (ours, mut peer) = pair();
    let mut receiving = recv(&ours, 100);
    assert_waits_on(receiving.resume(()), &ours, Interest::READABLE);
    // Resumed although nothing came (a spurious wake-up): it waits again.
    assert_waits_on(receiving.resume(()), &ours, Interest::READABLE);
    peer.write_all(b"ping").unwrap();
    let data = resume_until_complete(&mut receiving).unwrap();
    assert_eq!(data, b"ping");
}

#[test]
fn recv_returns_empty_at_end_of_file() {
    let (ours, peer) = pair();
    drop(peer);
    let mut receiving = recv(&ours, 100);
    receiving.resume(());
    match receiving.resume(()) {
        GeneratorState::Complete(Ok(data)) => assert!(data.is_empty()),
        other => panic!("expected end-of-file, got {other:?}"),
    }
}

#[test]
fn sendall_waits_when_the_buffer_is_full_and_finishes_later() {
    let (ours, mut peer) = pair();
    // Far more than the socket buffers hold while the peer reads nothing.
    let data: Vec<u8> = (0..32 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
    let mut sending = sendall(&ours, data.clone());
    assert_waits_on(sending.resume(()), &ours, Interest::WRITABLE);
    let partial = sending.sent();
    assert!(partial > 0 && partial < data.len(), "sent {partial}");

    // The peer reads everything, in a thread; we keep resuming (the loop
    // would wait for WRITABLE in between; a short nap stands in for it).
    let expected = data.len();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::with_capacity(expected);
        let mut buf = vec![0; 1 << 20];
        while got.len() < expected {
            let n = peer.read(&mut buf).unwrap();
            assert_ne!(n, 0, "early end-of-file");
            got.extend_from_slice(&buf[..n]);
        }
        got
    });
    resume_until_complete(&mut sending).unwrap();
    assert!(reader.join().unwrap() == data, "the bytes arrived changed");
}

#[test]
fn sendall_reports_a_peer_that_is_gone() {
    let (ours, peer) = pair();
    drop(peer);
    let mut sending = sendall(&ours, vec![b'x'; 8 * 1024 * 1024]);
    // The first writes may still be taken by the kernel; the reset that
    // answers them turns a later write into an error.
    let error = resume_until_complete(&mut sending).expect_err("sent 8 MiB to a closed peer");
    assert!(
        matches!(
            error.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{error}"
    );
}

//! The specification of exercise 10-1.

use std::io::Read;
use std::net::TcpStream;
use std::rc::Rc;
use std::time::Duration;

use ch08_generators::{Generator, GeneratorState, yield_from};
use ch10_generator_loop::{Call, Loop};
use course::testing::PATIENCE;
use ex10_1_sendall::sendall;
use ghetto_loop::sys::{Interest, SelectorKind, Socket};

/// Our non-blocking socket and a blocking peer with a read timeout.
fn pair() -> (Rc<Socket>, TcpStream) {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 8).unwrap();
    let peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    peer.set_read_timeout(Some(PATIENCE)).unwrap();
    let (ours, _) = listener.accept().unwrap();
    ours.set_nonblocking(true).unwrap();
    (Rc::new(ours), peer)
}

/// Reads `len` bytes from `peer` on another thread.
fn read_all(mut peer: TcpStream, len: usize) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut got = Vec::with_capacity(len);
        let mut buf = vec![0; 1 << 20];
        while got.len() < len {
            let n = peer.read(&mut buf).unwrap();
            assert_ne!(n, 0, "early end-of-file");
            got.extend_from_slice(&buf[..n]);
        }
        got
    })
}

#[test]
fn a_small_message_goes_out_in_one_resume() {
    let (ours, peer) = pair();
    let reader = read_all(peer, 5);
    let mut sending = sendall(&ours, b"hello".to_vec());
    assert!(matches!(
        sending.resume(()),
        GeneratorState::Complete(Ok(()))
    ));
    assert_eq!(sending.sent(), 5);
    assert_eq!(reader.join().unwrap(), b"hello");
}

#[test]
fn a_full_buffer_makes_it_wait_for_writable() {
    let (ours, _peer) = pair();
    let mut sending = sendall(&ours, vec![1; 32 * 1024 * 1024]);
    match sending.resume(()) {
        GeneratorState::Yielded(Call::Wait(socket, interest)) => {
            assert!(Rc::ptr_eq(&socket, &ours), "it waits on its own socket");
            assert_eq!(interest, Interest::WRITABLE);
        }
        other => panic!("expected a wait for WRITABLE, got {other:?}"),
    }
    let partial = sending.sent();
    assert!(partial > 0 && partial < 32 * 1024 * 1024, "sent {partial}");
}

#[test]
fn resumed_after_a_wait_it_finishes_the_job() {
    let (ours, peer) = pair();
    let data: Vec<u8> = (0..32 * 1024 * 1024u32).map(|i| (i % 241) as u8).collect();
    // The peer starts reading only once the buffers are full and sendall
    // has had to wait, so that wait happens however fast the peer reads.
    let mut peer = Some(peer);
    let mut reader = None;
    let mut sending = sendall(&ours, data.clone());
    let mut waits = 0;
    let result = loop {
        match sending.resume(()) {
            GeneratorState::Complete(result) => break result,
            GeneratorState::Yielded(_) => {
                waits += 1;
                assert!(waits < 10_000, "still not done after 10 s");
                if let Some(peer) = peer.take() {
                    reader = Some(read_all(peer, data.len()));
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    };
    result.unwrap();
    let reader = reader.expect("32 MiB cannot fit in the buffers at once: sendall waited");
    assert!(reader.join().unwrap() == data, "the bytes arrived changed");
}

#[test]
fn a_peer_that_is_gone_is_an_error() {
    let (ours, peer) = pair();
    drop(peer);
    let mut sending = sendall(&ours, vec![0; 8 * 1024 * 1024]);
    let mut turns = 0;
    let error = loop {
        match sending.resume(()) {
            GeneratorState::Complete(result) => break result.unwrap_err(),
            GeneratorState::Yielded(_) => {
                turns += 1;
                assert!(turns < 10_000, "no error after 10 s");
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    };
    assert!(
        matches!(
            error.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{error}"
    );
}

#[test]
fn it_works_inside_the_loop() {
    /// `yield from sendall(sock, data)`, as a task.
    struct Send(ex10_1_sendall::SendAll);
    impl Generator for Send {
        type Yield = Call;
        type Return = std::io::Result<()>;
        fn resume(&mut self, (): ()) -> GeneratorState<Call, std::io::Result<()>> {
            let result = yield_from!(self.0, ());
            GeneratorState::Complete(result)
        }
    }
    let (ours, peer) = pair();
    let data = vec![42u8; 16 * 1024 * 1024];
    let reader = read_all(peer, data.len());
    let mut event_loop = Loop::new(SelectorKind::Epoll.open().unwrap());
    event_loop.spawn("sender", Box::new(Send(sendall(&ours, data))));
    event_loop.run().unwrap();
    assert_eq!(event_loop.stats().failed, 0);
    assert!(reader.join().unwrap().iter().all(|b| *b == 42));
}

//! Chapter 10's claims about the generator loop: one thread serves many
//! clients at once on every selector backend; a client whose echo is stuck
//! (partial sends) holds up nobody; a client that hangs up mid-message
//! disturbs nobody; nothing leaks.

use std::io::{Read, Write};
use std::net::TcpStream;

use ch10_generator_loop::server::Background;
use course::line_client::{connect, echo_bytes};
use course::testing::{PATIENCE, open_fds, wait_until};
use ghetto_loop::sys::SelectorKind;

#[test]
fn every_backend_serves_several_clients_at_once() {
    for kind in SelectorKind::ALL {
        let server = Background::start_with(kind, None).unwrap();
        assert_eq!(server.selector, kind.name());
        let mut clients: Vec<TcpStream> = (0..20).map(|_| connect(server.addr).unwrap()).collect();
        // All connected at once; each is answered, in any order of asking.
        for (i, client) in clients.iter_mut().enumerate().rev() {
            echo_bytes(client, format!("hello from {i}").as_bytes()).unwrap();
        }
        for (i, client) in clients.iter_mut().enumerate() {
            echo_bytes(client, format!("bye from {i}").as_bytes()).unwrap();
        }
        drop(clients);
        let stats = server.stop().unwrap();
        assert_eq!(stats.spawned, 21, "{kind}: the server task and 20 clients");
        assert!(stats.peak_tasks >= 21, "{kind}: all 20 were served at once");
        assert_eq!(stats.failed, 0);
    }
}

#[test]
fn the_demo_shows_a_stuck_echo_holding_up_nobody() {
    let timeline = course::Timeline::quiet();
    ch10_generator_loop::demo::run(&timeline).unwrap();
    // Two clients at once.
    assert!(
        timeline.position("client-2", "echoed \"hi\"")
            < timeline.position("client-1", "echoed \"still here\"")
    );
    // client-3's echo parked on WRITABLE (a partial send), and client-2 was
    // served while it was stuck, before client-3 read anything.
    let parked = timeline.position("loop", "send buffer full, parked until writable");
    let meanwhile = timeline.position("client-2", "echoed \"meanwhile\"");
    let reads = timeline.position("client-3", "now reads its echo");
    assert!(parked < meanwhile && meanwhile < reads);
    let all = format!(
        "got all {} bytes back, in order",
        ch10_generator_loop::demo::FLOOD
    );
    timeline.position("client-3", &all);
    // client-4 hung up; the server still answered client-2 afterwards.
    let four_gone = timeline.position("client-4", "hangs up");
    assert!(four_gone < timeline.position("client-2", "echoed \"bye\""));
    timeline.position("server", "One thread served 4 clients");
}

#[test]
fn a_client_that_hangs_up_mid_message_disturbs_nobody() {
    let server = Background::start(None).unwrap();
    let mut steady = connect(server.addr).unwrap();
    echo_bytes(&mut steady, b"before").unwrap();
    for _ in 0..10 {
        let mut rude = connect(server.addr).unwrap();
        let _ = rude.write_all(&[b'x'; 100_000]);
        // Dropped with its echo unread: a reset, or a broken pipe, for the
        // server's task for it.
    }
    echo_bytes(&mut steady, b"after").unwrap();
    // A newcomer is served too. Connections are accepted in the order they
    // came, so once it is, every rude one was accepted before it (the
    // steady client's echo alone does not say so: it may be served first).
    let mut newcomer = connect(server.addr).unwrap();
    echo_bytes(&mut newcomer, b"hello").unwrap();
    drop((steady, newcomer));
    let stats = server.stop().unwrap();
    // The acceptor, the steady client, the ten rude ones and the newcomer.
    assert_eq!(stats.spawned, 13);
}

#[test]
fn nothing_leaks_when_clients_come_and_go() {
    course::testing::alone(|| {
        let before = open_fds();
        let timeline = course::Timeline::quiet();
        let server = Background::start(Some(timeline.clone())).unwrap();
        // The listener, the selector and its doorbell.
        let with_server = open_fds();
        for round in 0..5 {
            let mut clients: Vec<TcpStream> =
                (0..10).map(|_| connect(server.addr).unwrap()).collect();
            for client in &mut clients {
                echo_bytes(client, format!("round {round}").as_bytes()).unwrap();
            }
        }
        // Every client is gone; each of their tasks ends when it reads the
        // end-of-file, deregistering and closing its socket.
        let done = || {
            timeline
                .events()
                .iter()
                .filter(|e| e.who == "loop" && e.what.ends_with(": done"))
                .count()
        };
        assert!(wait_until(PATIENCE, || done() == 50), "{} done", done());
        assert_eq!(
            open_fds(),
            with_server,
            "the finished tasks' sockets are closed"
        );
        let stats = server.stop().unwrap();
        assert_eq!(stats.spawned, 51);
        assert_eq!(stats.failed, 0);
        // Stopping closed the listener, the selector and the doorbell as well.
        assert_eq!(open_fds(), before);
    })
}

#[test]
fn a_slow_reader_does_not_slow_the_others() {
    let server = Background::start(None).unwrap();
    let mut slow = connect(server.addr).unwrap();
    // 16 MiB echoed to a client that reads none of it fills every buffer on
    // the way: the server's task for it parks on WRITABLE...
    let mut writer = slow.try_clone().unwrap();
    let flood = std::thread::spawn(move || writer.write_all(&vec![7u8; 16 * 1024 * 1024]));
    // ...and meanwhile others are served as usual.
    let mut quick = connect(server.addr).unwrap();
    for i in 0..50 {
        echo_bytes(&mut quick, format!("ping {i}").as_bytes()).unwrap();
    }
    // Now the slow one reads, and gets every byte.
    let mut got = 0;
    let mut buf = vec![0; 1 << 20];
    while got < 16 * 1024 * 1024 {
        let n = slow.read(&mut buf).unwrap();
        assert_ne!(n, 0);
        assert!(buf[..n].iter().all(|b| *b == 7));
        got += n;
    }
    flood.join().unwrap().unwrap();
    drop((slow, quick));
    server.stop().unwrap();
}

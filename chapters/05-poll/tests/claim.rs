//! Chapter 05's claim: `poll` serves past fd 1,024 on one thread, and one
//! wait costs more the more fds are watched, ready or not.

use std::io;

use ch05_poll::demo;
use ch05_poll::wait_cost::wait_cost;
use course::Timeline;
use course::line_client::LineClient;
use course::server_process::ServerProcess;
use ghetto_loop::sys::{Poll, raise_fd_limit};

/// Bounds every wait that should succeed.

#[test]
fn a_poll_server_echoes_for_2000_concurrent_clients() -> io::Result<()> {
    raise_fd_limit()?; // 2,000 clients need 2,000 fds in this process too
    let server = ServerProcess::serve(env!("CARGO_BIN_EXE_ch05-poll"), &[])?;
    let mut clients = Vec::new();
    for n in 0..2_000 {
        let mut client = LineClient::connect(server.addr())?;
        let line = format!("client {n}");
        assert_eq!(client.ask(&line)?, line, "client {n}");
        clients.push(client);
    }
    // All 2,000 are connected at once; all speak before any reads, so the
    // server has 2,000 fds with news in the same few waits.
    for (n, client) in clients.iter_mut().enumerate() {
        client.send(&format!("again {n}"))?;
    }
    for (n, client) in clients.iter_mut().enumerate() {
        assert_eq!(client.read_line()?.as_deref(), Some(&*format!("again {n}")));
    }
    Ok(())
}

#[test]
fn the_demo_serves_past_fd_1024_and_times_both_waits() {
    let timeline = Timeline::quiet();
    demo::run(&timeline).expect("the demo runs");
    let connected = timeline
        .find("server", "clients connected at once")
        .expect("the server says how many");
    assert!(
        connected
            .what
            .starts_with(&format!("{} clients", demo::CLIENTS)),
        "{}",
        connected.what
    );
    let past = connected
        .what
        .split("; ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("how many past 1024");
    assert!(past > 0, "{}", connected.what);
    assert!(timeline.find("client-1100", "got \"still here\"").is_some());
    assert!(timeline.find("client-1", "got \"still here\"").is_some());

    let micros = |what: &str| -> f64 {
        let line = timeline.find("poll", what).expect("a timed wait").what;
        line.split(": ")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let few = micros(&format!("{:>5} idle fds", demo::FEW));
    let many = micros(&format!("{:>5} idle fds", demo::MANY));
    assert!(many > few, "5,000 idle fds ({many} µs) vs 10 ({few} µs)");
}

#[test]
fn one_wait_costs_more_with_more_idle_fds() -> io::Result<()> {
    raise_fd_limit()?;
    let mut poll = Poll::new()?;
    let few = wait_cost(&mut poll, 10)?;
    let many = wait_cost(&mut poll, 4_000)?;
    // The real ratio is in the hundreds; a factor of 5 holds on any machine.
    assert!(many > few * 5, "4,000 idle fds: {many:?}, 10: {few:?}");
    Ok(())
}

//! Chapter 06's claims: edge-triggered epoll reports a change once where
//! level-triggered reports a state until it changes; the same server runs on
//! every backend (2,000 concurrent clients on poll and on epoll); and one
//! epoll wait costs what is ready, not what is watched.

use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use ch06_epoll::demo::{self, Cell};
use ch06_epoll::triggers::{self, BITE, MESSAGE};
use course::Timeline;
use course::line_client::LineClient;
use course::server_process::ServerProcess;
use ghetto_loop::sys::raise_fd_limit;

/// Bounds every wait that should succeed.

#[test]
fn level_triggered_reports_until_drained_and_edge_triggered_once() -> io::Result<()> {
    let (level, edge) = triggers::show(&Timeline::quiet())?;
    // 12 bytes, 5 per event: 3 events to read them all.
    assert_eq!(level.events, MESSAGE.len().div_ceil(BITE));
    assert_eq!(level.unread_when_silent, 0);
    // One edge, one event, and the rest left sitting there.
    assert_eq!(edge.events, 1);
    assert_eq!(edge.unread_when_silent, MESSAGE.len() - BITE);
    Ok(())
}

#[test]
fn the_same_server_echoes_for_2000_concurrent_clients_on_poll_and_on_epoll() -> io::Result<()> {
    raise_fd_limit()?;
    for backend in ["poll", "epoll"] {
        let server = Serving::start(&["--selector", backend], &[])?;
        assert_eq!(server.backend, format!("serving with {backend}"));
        let mut clients = Vec::new();
        for n in 0..2_000 {
            let mut client = LineClient::connect(server.addr)?;
            let line = format!("{backend} {n}");
            assert_eq!(client.ask(&line)?, line);
            clients.push(client);
        }
        for (n, client) in clients.iter_mut().enumerate() {
            client.send(&format!("again {n}"))?;
        }
        for (n, client) in clients.iter_mut().enumerate() {
            assert_eq!(client.read_line()?.as_deref(), Some(&*format!("again {n}")));
        }
    }
    Ok(())
}

#[test]
fn the_backend_comes_from_the_flag_or_ghetto_selector_and_bad_names_are_refused() -> io::Result<()>
{
    // The environment variable sets the default...
    let server = Serving::start(&[], &[("GHETTO_SELECTOR", "select")])?;
    assert_eq!(server.backend, "serving with select");
    let mut client = LineClient::connect(server.addr)?;
    assert_eq!(client.ask("on select")?, "on select");
    drop(server);
    // ...the flag overrides it, and with neither it is epoll.
    let server = Serving::start(&["--selector", "poll"], &[("GHETTO_SELECTOR", "select")])?;
    assert_eq!(server.backend, "serving with poll");
    drop(server);
    let server = Serving::start(&[], &[])?;
    assert_eq!(server.backend, "serving with epoll");
    drop(server);

    // A bad name, either way, is refused with the allowed values.
    for (args, env) in [
        (&["serve", "127.0.0.1:0"][..], Some("kqueue")),
        (&["serve", "127.0.0.1:0", "--selector", "kqueue"][..], None),
    ] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ch06-epoll"));
        command.args(args).env_remove("GHETTO_SELECTOR");
        if let Some(value) = env {
            command.env("GHETTO_SELECTOR", value);
        }
        let out = command.output()?;
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("kqueue"), "{stderr}");
        assert!(
            stderr.contains("select, poll or epoll") || stderr.contains("select|poll|epoll"),
            "{stderr}"
        );
    }
    Ok(())
}

#[test]
fn the_demo_table_shows_poll_growing_with_idle_fds_and_epoll_flat() {
    let timeline = Timeline::quiet();
    let table = demo::run(&timeline).expect("the demo runs");
    for backend in ["select", "poll", "epoll"] {
        assert!(
            timeline
                .find(backend, "lines echoed to 100 clients")
                .is_some(),
            "act 2 ran on {backend}"
        );
    }
    let rows: Vec<usize> = table.iter().map(|(idle, _)| *idle).collect();
    assert_eq!(rows, demo::IDLE_FDS, "every row measured");
    let cell = |row: usize, col: usize| match &table[row].1[col] {
        Cell::Measured(d) => Some(d.as_secs_f64()),
        Cell::Refused(_) => None,
    };
    // select refuses past fd 1,024; poll and epoll measure every row.
    assert!(matches!(&table[3].1[0], Cell::Refused(why) if why.contains("1024")));
    let last = table.len() - 1;
    let poll_growth = cell(last, 1).unwrap() / cell(0, 1).unwrap();
    let epoll_growth = cell(last, 2).unwrap() / cell(0, 2).unwrap();
    // Orderings, with room for a noisy machine: poll's cost grows with the
    // watched fds (by hundreds of times in practice), epoll's barely moves.
    assert!(
        poll_growth > 5.0,
        "poll: {poll_growth:.1}x from 10 to 5,000 fds"
    );
    assert!(
        epoll_growth < poll_growth / 5.0,
        "epoll grew {epoll_growth:.1}x, poll {poll_growth:.1}x"
    );
    assert!(
        cell(last, 2).unwrap() < cell(last, 1).unwrap(),
        "with 5,000 fds watched, epoll beats poll"
    );
}

/// The chapter's binary, run as `serve 127.0.0.1:0 [args]` (killed on drop),
/// and the backend it said it serves with.
struct Serving {
    /// Held for its drop, which kills the process.
    _process: ServerProcess,
    /// Where it listens.
    addr: SocketAddr,
    /// Its first line on stderr: `serving with BACKEND`.
    backend: String,
}

impl Serving {
    fn start(args: &[&str], env: &[(&str, &str)]) -> io::Result<Serving> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ch06-epoll"));
        command
            .args(["serve", "127.0.0.1:0"])
            .args(args)
            .env_remove("GHETTO_SELECTOR")
            .envs(env.iter().copied())
            .stderr(Stdio::piped());
        let mut server = ServerProcess::start(command)?;
        let stderr = server.child().stderr.take().expect("piped");
        let mut stderr = BufReader::new(stderr);
        let mut backend = String::new();
        stderr.read_line(&mut backend)?;
        // Keep draining stderr, so a chatty server never blocks on a full pipe.
        std::thread::spawn(move || io::copy(&mut stderr, &mut io::sink()));
        Ok(Serving {
            addr: server.addr(),
            _process: server,
            backend: backend.trim().to_owned(),
        })
    }
}

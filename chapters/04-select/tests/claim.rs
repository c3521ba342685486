//! Chapter 04's claim: one thread on `select` serves many clients at once,
//! and a client whose fd would be 1,024 or more is refused with a clear
//! message while the others go on being served.

use std::io;

use ch04_select::{demo, server};
use course::Timeline;
use course::line_client::LineClient;
use course::server_process::ServerProcess;
use course::testing::{PATIENCE, wait_until};
use ghetto_loop::sys::raise_fd_limit;

/// Bounds every wait that should succeed.

#[test]
fn the_demo_shows_the_sets_rebuilt_the_timeout_and_the_refusal() {
    let timeline = Timeline::quiet();
    demo::run(&timeline).expect("the demo runs");

    // Each pass rebuilds the sets from the registered fds: once three
    // clients are connected, a pass's read set holds four fds.
    let events = timeline.events();
    let passes: Vec<&str> = events
        .iter()
        .filter(|e| e.who == "server" && e.what.contains("fd_sets rebuilt"))
        .map(|e| e.what.as_str())
        .collect();
    assert!(passes.len() >= 5, "{passes:#?}");
    let widest = passes
        .iter()
        .map(|t| t.split("read {").nth(1).unwrap().split('}').next().unwrap())
        .map(|set| set.split_whitespace().count())
        .max()
        .unwrap();
    assert_eq!(widest, 4, "listener + three clients: {passes:#?}");
    assert!(
        passes.iter().any(|t| t.contains("timed out after 0.25")),
        "a quiet pass ends by the timeout: {passes:#?}"
    );

    // The last client to arrive spoke first and was answered first.
    assert!(
        timeline.position("client-3", "got \"three, first\"")
            < timeline.position("client-1", "got \"one, last\"")
    );

    // The refusal, then client-1 still served.
    let refused = timeline.position("server", "refused");
    assert!(timeline.find("server", "is not below 1024").is_some());
    let told = events
        .iter()
        .position(|e| {
            e.what
                .contains("got \"server full: select() can only watch fds below 1024\"")
        })
        .expect("a client was told why");
    let still = timeline.position("client-1", "got \"still there?\" back");
    assert!(still > refused && still > told);
    assert!(
        timeline
            .whats()
            .last()
            .unwrap()
            .contains("was refused with a reason")
    );
}

#[test]
fn a_select_server_survives_1100_clients_serving_those_below_fd_1024() -> io::Result<()> {
    raise_fd_limit()?; // 1,100 clients need 1,100 fds in this process too
    let server = ServerProcess::serve(env!("CARGO_BIN_EXE_ch04-select"), &[])?;

    let mut served = Vec::new();
    let mut refused = 0;
    for n in 0..1_100 {
        let mut client = LineClient::connect(server.addr())?;
        let line = format!("client {n}");
        let reply = client.ask(&line)?;
        if reply == line {
            served.push(client);
        } else {
            assert_eq!(format!("{reply}\n"), server::FULL_MESSAGE, "client {n}");
            // Told why, then the end of the connection.
            assert_eq!(
                client.read_line()?,
                None,
                "client {n} is closed after the message"
            );
            refused += 1;
        }
    }
    // A process of its own has stdin/out/err, the listener and the doorbell
    // below the first client: about 1,019 fds are left for clients.
    assert!(served.len() >= 1_000, "only {} served", served.len());
    assert!(served.len() < 1_024);
    assert_eq!(served.len() + refused, 1_100);

    // Everyone served is still served, the first and the last.
    assert_eq!(served[0].ask("first, again")?, "first, again");
    let last = served.len() - 1;
    assert_eq!(served[last].ask("last, again")?, "last, again");

    // When clients leave, their fds are free again, and new clients fit,
    // as soon as the server has seen them go.
    served.truncate(served.len() - 10);
    let fits = wait_until(PATIENCE, || {
        LineClient::connect(server.addr())
            .and_then(|mut newcomer| newcomer.ask("room now?"))
            .is_ok_and(|reply| reply == "room now?")
    });
    assert!(fits, "a newcomer was still refused after ten clients left");
    Ok(())
}

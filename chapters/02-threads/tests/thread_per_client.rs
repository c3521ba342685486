//! Each client costs a thread, and the thread lives exactly as long as its
//! connection. (A file of its own: it counts this process's threads, so no
//! other test may run beside it.)

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;

use ch02_threads::footprint::Footprint;
use ch02_threads::server;
use course::line_client::LineClient;
use course::testing::{PATIENCE, wait_until};
use ghetto_loop::sys::Socket;

#[test]
fn each_client_has_a_thread_and_it_ends_when_the_client_leaves() -> io::Result<()> {
    let before = threads();
    let listener = Socket::listen(SocketAddr::from(([127, 0, 0, 1], 0)), server::BACKLOG)?;
    let addr = listener.local_addr()?;
    thread::spawn(move || server::serve_forever(&listener, Arc::new(|_| {})));
    // With no client: the threads there were, plus the accepting one.
    let baseline_plus = |clients: u64| before + 1 + clients;
    // The accepting thread is surely running once a first client is served.
    let mut first = LineClient::connect(addr)?;
    first.round_trip("x")?;
    drop(first);
    assert!(
        wait_until(PATIENCE, || threads() == baseline_plus(0)),
        "the first client's thread ended"
    );

    let clients: Vec<LineClient> = (0..20)
        .map(|i| -> io::Result<LineClient> {
            let mut c = LineClient::connect(addr)?;
            c.round_trip(&i.to_string())?;
            Ok(c)
        })
        .collect::<io::Result<_>>()?;
    assert_eq!(
        threads(),
        baseline_plus(20),
        "one thread per connected client"
    );

    // A client that leaves politely and one that vanishes: both threads end.
    let mut clients = clients.into_iter();
    let mut polite = clients.next().expect("20 clients");
    polite.stream().shutdown(std::net::Shutdown::Write)?;
    assert_eq!(polite.read_line()?, None, "the server closed its side too");
    drop(clients);
    assert!(
        wait_until(PATIENCE, || threads() == baseline_plus(0)),
        "every client's thread ended: {} threads",
        threads()
    );
    Ok(())
}

fn threads() -> u64 {
    Footprint::now().expect("/proc/self/status").threads
}

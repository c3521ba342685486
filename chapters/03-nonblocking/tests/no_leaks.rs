//! A stopped server has closed every fd it opened, clients' and listener's.
//! (A file of its own, so that no other test's sockets are counted.)

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use ch03_nonblocking::server::Server;
use course::testing::{PATIENCE, open_fds, wait_until};

#[test]
fn after_stop_no_fd_is_left_open() -> anyhow::Result<()> {
    let before = open_fds();
    let mut server = Server::bind(SocketAddr::from(([127, 0, 0, 1], 0)), Duration::ZERO)?;
    let addr = server.local_addr()?;
    let counter = server.counter();
    let stopper = server.stopper();
    let running = std::thread::spawn(move || server.run(&|_| {}));

    let mut clients = Vec::new();
    for i in 0..10 {
        let mut c = TcpStream::connect(addr)?;
        c.set_read_timeout(Some(PATIENCE))?;
        c.write_all(format!("{i}\n").as_bytes())?;
        let mut line = String::new();
        BufReader::new(&c).read_line(&mut line)?;
        clients.push(c);
    }
    // Half leave before the server stops, half are still connected when it
    // does: both kinds must be closed.
    clients.truncate(5);
    assert!(wait_until(PATIENCE, || counter.counts().connected == 5));
    stopper.stop();
    running.join().expect("no panic")?;
    drop(clients);
    assert_eq!(open_fds(), before, "fds leaked");
    Ok(())
}

//! Out of fds: when `accept` fails with EMFILE, the server says so, keeps
//! serving the clients it has, and takes the waiting ones once fds free up.
//! (Without the pause, the listener stays readable and the loop spins.)

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use course::server_process::ServerProcess;
use course::testing::PATIENCE;

#[test]
fn out_of_fds_the_server_pauses_accepting_and_catches_up_later() -> io::Result<()> {
    // 64 fds for the whole server process: hard and soft limit both, so
    // raising the soft limit gets nowhere.
    let mut command = Command::new("sh");
    command
        .args([
            "-c",
            "ulimit -n 64 && exec \"$0\" serve 127.0.0.1:0",
            env!("CARGO_BIN_EXE_ch04-select"),
        ])
        .stderr(Stdio::piped());
    let mut server = ServerProcess::start(command)?;
    let addr = server.addr();
    let (log_tx, log) = mpsc::channel();
    let stderr = server.child().stderr.take().expect("piped");
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if log_tx.send(line).is_err() {
                break;
            }
        }
    });

    // 80 clients each send a line. The kernel queues them all (the backlog
    // is 1,024); the server can accept only as many as its fds allow.
    let mut clients = Vec::new();
    for n in 0..80 {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(PATIENCE))?;
        stream.write_all(format!("{n:02}\n").as_bytes())?;
        clients.push(stream);
    }
    let said = loop {
        let line = log
            .recv_timeout(PATIENCE)
            .expect("the server says accept failed");
        if line.contains("accept failed") {
            break line;
        }
    };
    assert!(said.contains("Too many open files"), "{said}");
    // Paused, not spinning: over a third of a second it retries a few
    // times (every 100 ms), where a loop on a readable listener would fail
    // and log thousands of times.
    thread::sleep(Duration::from_millis(350));
    let retries = log
        .try_iter()
        .filter(|l| l.contains("accept failed"))
        .count();
    assert!(
        retries <= 20,
        "{retries} failed accepts in 350 ms: the loop spins"
    );

    // The first 40 were accepted before the fds ran out, and are served.
    for (n, client) in clients.iter_mut().enumerate().take(40) {
        let mut back = [0u8; 3];
        client.read_exact(&mut back)?;
        assert_eq!(&back, format!("{n:02}\n").as_bytes());
        // And served again, while others wait in the queue.
        client.write_all(b"ok\n")?;
        client.read_exact(&mut back)?;
        assert_eq!(&back, b"ok\n");
    }
    // They leave; their fds free up; everyone still queued gets an echo.
    clients.drain(..40);
    for (i, client) in clients.iter_mut().enumerate() {
        let n = i + 40;
        let mut back = [0u8; 3];
        client.read_exact(&mut back)?;
        assert_eq!(&back, format!("{n:02}\n").as_bytes(), "client {n}");
    }
    Ok(())
}

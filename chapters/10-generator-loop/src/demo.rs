//! The self-running demo of chapter 10: one thread, one loop, clients served
//! at once; a client whose echo is stuck (partial sends) holds up nobody;
//! a client that hangs up mid-message disturbs nobody.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use anyhow::{Context as _, bail};
use course::Timeline;
use course::testing::{PATIENCE, wait_until};

use crate::server::Background;

/// How much client-3 sends without reading: more than the kernel buffers in
/// both directions, so the server's `sendall` must wait for room.
pub const FLOOD: usize = 32 * 1024 * 1024;

/// Runs the demo, logging to `timeline`.
pub fn run(timeline: &Timeline) -> anyhow::Result<()> {
    let server = Background::start(Some(timeline.clone())).context("starting the server")?;
    timeline.log(
        "server",
        format!(
            "listening on {} (selector: {}), one thread for everybody",
            server.addr, server.selector
        ),
    );

    // Two clients at once.
    let mut one = Client::connect("client-1", server.addr, timeline)?;
    one.echo("hello")?;
    let mut two = Client::connect("client-2", server.addr, timeline)?;
    timeline.log("client-2", "(client-1 is still connected)");
    two.echo("hi")?;
    one.echo("still here")?;

    // A client that sends a lot and reads nothing: the server's sendall to
    // it fills the socket buffers and parks until writable.
    flood(server.addr, &mut two, timeline)?;

    // A client that hangs up halfway through a message.
    hang_up_midway(server.addr, timeline)?;
    two.echo("bye")?;

    // Clients 1 and 2 leave; wait for their tasks to see the end-of-file and
    // finish, so the loop's last lines come before it is stopped.
    let finished: Vec<String> = [one.local_addr, two.local_addr]
        .iter()
        .map(|addr| format!("client {addr}: done"))
        .collect();
    drop((one, two));
    let all_done = wait_until(PATIENCE, || {
        finished
            .iter()
            .all(|line| timeline.find("loop", line).is_some())
    });
    if !all_done {
        timeline.log("demo", "(clients 1 and 2 were not seen to finish in time)");
    }
    let selector = server.selector;
    let stats = server.stop()?;
    timeline.log(
        "server",
        format!(
            "stopped. One thread served {} clients, {} at once at the peak; the loop waited {} times \
             in {} and resumed tasks {} times; {} of the clients' tasks ended with an error",
            stats.spawned - 1,
            stats.peak_tasks - 1,
            stats.waits,
            selector,
            stats.resumes,
            stats.failed,
        ),
    );
    Ok(())
}

/// Client-3 sends [`FLOOD`] bytes without reading; client-2 is served while
/// client-3's echo is stuck; then client-3 reads everything back.
fn flood(addr: SocketAddr, other: &mut Client, timeline: &Timeline) -> anyhow::Result<()> {
    let three = Client::connect("client-3", addr, timeline)?;
    let peer = three.local_addr;
    timeline.log(
        "client-3",
        format!("sends {} MiB and reads nothing yet", FLOOD >> 20),
    );
    let written = Arc::new(AtomicUsize::new(0));
    let mut writer = three.stream.try_clone()?;
    let progress = written.clone();
    let writing = thread::spawn(move || -> io::Result<()> {
        // A whole number of pattern periods (251 bytes), so that chunk after
        // chunk continues the pattern.
        let chunk: Vec<u8> = (0..251 * 256).map(pattern).collect();
        let mut sent = 0;
        while sent < FLOOD {
            let n = (FLOOD - sent).min(chunk.len());
            writer.write_all(&chunk[..n])?;
            sent += n;
            progress.store(sent, Ordering::Relaxed);
        }
        Ok(())
    });

    // Wait for the loop to say the echo to client-3 is parked.
    let parked = format!("client {peer}: send buffer full");
    if wait_until(PATIENCE, || timeline.find("loop", &parked).is_some()) {
        timeline.log(
            "client-3",
            format!(
                "(had written {:.1} MiB when the server's echo to it stalled)",
                written.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
            ),
        );
    } else {
        timeline.log(
            "client-3",
            "(the server never had to wait: this kernel buffers more than the flood)",
        );
    }
    other.echo("meanwhile")?;

    timeline.log("client-3", "now reads its echo");
    let mut reader = three.stream;
    let mut buf = vec![0u8; 256 * 1024];
    let mut got = 0;
    while got < FLOOD {
        let n = reader.read(&mut buf).context("client-3 reading its echo")?;
        if n == 0 {
            bail!("client-3: the server closed after {got} of {FLOOD} bytes");
        }
        if let Some(bad) = (0..n).find(|i| buf[*i] != pattern(got + i)) {
            bail!("client-3: byte {} of the echo is wrong", got + bad);
        }
        got += n;
    }
    match writing.join() {
        Ok(result) => result.context("client-3 writing")?,
        Err(_) => bail!("client-3's writer panicked"),
    }
    timeline.log(
        "client-3",
        format!("got all {got} bytes back, in order, and hangs up"),
    );
    Ok(())
}

/// Client-4 sends part of a message and closes without reading the echo.
fn hang_up_midway(addr: SocketAddr, timeline: &Timeline) -> anyhow::Result<()> {
    let mut four = Client::connect("client-4", addr, timeline)?;
    let peer = four.local_addr;
    four.stream.write_all(&[b'x'; 32 * 1024])?;
    timeline.log(
        "client-4",
        "sent 32 KiB of a 1 MiB message, then hangs up without reading",
    );
    drop(four);
    // Whatever the server saw (end-of-file, or a reset because the echo
    // arrived after we closed), its task for client-4 ends; wait for that.
    let ended = format!("client {peer}: ");
    if !wait_until(PATIENCE, || {
        timeline
            .events()
            .iter()
            .any(|e| e.who == "loop" && e.what.starts_with(&ended))
    }) {
        bail!("the server never noticed client-4 leave");
    }
    Ok(())
}

/// The byte at position `i` of client-3's stream.
fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

/// A blocking client, with timeouts so that a bug ends the demo instead of
/// hanging it.
struct Client {
    name: &'static str,
    stream: TcpStream,
    local_addr: SocketAddr,
    timeline: Timeline,
}

impl Client {
    fn connect(
        name: &'static str,
        addr: SocketAddr,
        timeline: &Timeline,
    ) -> anyhow::Result<Client> {
        let stream = TcpStream::connect(addr).with_context(|| format!("{name} connecting"))?;
        stream.set_read_timeout(Some(PATIENCE))?;
        stream.set_write_timeout(Some(PATIENCE))?;
        let local_addr = stream.local_addr()?;
        timeline.log(name, format!("connected from {local_addr}"));
        Ok(Client {
            name,
            stream,
            local_addr,
            timeline: timeline.clone(),
        })
    }

    fn echo(&mut self, text: &str) -> anyhow::Result<()> {
        self.stream.write_all(text.as_bytes())?;
        let mut buf = vec![0; text.len()];
        self.stream
            .read_exact(&mut buf)
            .with_context(|| format!("{} waiting for the echo of {text:?}", self.name))?;
        if buf != text.as_bytes() {
            bail!(
                "{} sent {text:?}, got {:?} back",
                self.name,
                String::from_utf8_lossy(&buf)
            );
        }
        self.timeline.log(self.name, format!("echoed {text:?}"));
        Ok(())
    }
}

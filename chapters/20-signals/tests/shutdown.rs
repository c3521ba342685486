//! The graceful shutdown, in process, on a paused clock: the loop's clock
//! jumps from deadline to deadline, so the times below are exact and no
//! test waits for real. The SIGTERM is real: a signalfd made on the test's
//! thread, and `raise` to that thread.

use std::io;
use std::rc::Rc;
use std::time::Duration;

use ch20_signals::demo::shutdown::{self, OPTIONS};
use ch20_signals::server::{GOODBYE, Options, Summary, run};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::signal::Signals;
use ghetto_loop::sys::{SIGTERM, raise_signal};
use ghetto_loop::task;
use ghetto_loop::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn paused() -> io::Result<EventLoop> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    Ok(lp)
}

/// Every line from `stream` until the server's end of file; an error if
/// the connection is reset instead.
async fn lines_to_the_end(stream: &TcpStream) -> io::Result<Vec<String>> {
    let mut all = Vec::new();
    let mut buf = [0; 1024];
    loop {
        match stream.read(&mut buf).await? {
            0 => break,
            n => all.extend_from_slice(&buf[..n]),
        }
    }
    Ok(String::from_utf8_lossy(&all)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// Starts the server on the running loop with a real SIGTERM listener.
async fn start(
    opts: Options,
) -> io::Result<(std::net::SocketAddr, task::JoinHandle<io::Result<Summary>>)> {
    let term = Signals::new(SIGTERM)?;
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
    let addr = listener.local_addr()?;
    let server =
        task::spawn(async move { run(listener, term.recv(), opts, Rc::new(|_, _| {})).await });
    Ok((addr, server))
}

#[test]
fn every_client_hears_goodbye_and_every_acknowledged_reply() -> io::Result<()> {
    let lp = paused()?;
    let timeline = Timeline::quiet();
    let outcome = lp.block_on(shutdown::scenario(&timeline, OPTIONS))??;
    assert_eq!(outcome.heard, shutdown::expected());
    let s = outcome.summary;
    assert_eq!(
        (
            s.clients,
            s.requests,
            s.acked,
            s.delivered,
            s.half_lines,
            s.cut_off
        ),
        (4, 4, 4, 4, 1, 0),
        "{s}"
    );
    assert_eq!(
        outcome.late_connect.unwrap_err().kind(),
        io::ErrorKind::ConnectionRefused
    );
    // The signal came 100 ms into dave's first request; his second starts
    // when the first is done: 300 + 400 ms after the signal, all is over.
    assert_eq!(s.took, ms(700));
    // bob is told goodbye at once, and answered when his work is done.
    let bye = timeline.position("bob", GOODBYE);
    let done = timeline.position("server", "#2 request 1 done");
    let ok = timeline.position("bob", "got \"ok 1\"");
    assert!(timeline.position("server", "2. told") < bye && bye < done && done < ok);
    Ok(())
}

#[test]
fn work_that_outlasts_the_deadline_is_cancelled_at_the_deadline() -> io::Result<()> {
    let lp = paused()?;
    let opts = Options {
        grace: ms(2_000),
        ..Options::default()
    };
    let (heard, summary) = lp.block_on(async {
        let (addr, server) = start(opts).await?;
        let client = TcpStream::connect(addr).await?;
        client.write_all(b"slow: a minute of work\n").await?;
        sleep(ms(10)).await;
        raise_signal(SIGTERM)?;
        let heard = lines_to_the_end(&client).await?;
        let summary = server.await.map_err(io::Error::other)??;
        Ok::<_, io::Error>((heard, summary))
    })??;
    assert_eq!(heard, [GOODBYE], "told goodbye, never answered");
    assert_eq!(
        summary.took,
        ms(2_000),
        "not a moment longer than the grace"
    );
    assert_eq!(
        (
            summary.requests,
            summary.acked,
            summary.cut_off,
            summary.lost()
        ),
        (1, 0, 1, 0),
        "{summary}"
    );
    Ok(())
}

/// A client that keeps sending after the goodbye: those bytes are never
/// read as requests. Closing a socket with unread bytes makes Linux send a
/// reset; the server's careful close (FIN first, then read and discard
/// until the client closes) gives the client its answer and a clean end
/// of file instead.
#[test]
fn bytes_sent_after_the_goodbye_do_not_reset_the_connection() -> io::Result<()> {
    let lp = paused()?;
    let heard = lp.block_on(async {
        let (addr, server) = start(OPTIONS).await?;
        let client = TcpStream::connect(addr).await?;
        client.write_all(b"report\n").await?;
        sleep(ms(100)).await;
        raise_signal(SIGTERM)?;
        let mut buf = [0; GOODBYE.len() + 1];
        client.read_exact(&mut buf).await?;
        assert_eq!(buf, format!("{GOODBYE}\n").as_bytes());
        client.write_all(b"and one more thing\n").await?;
        // A reset here would be an error, not an end of file.
        let heard = lines_to_the_end(&client).await?;
        let summary = server.await.map_err(io::Error::other)??;
        assert_eq!((summary.requests, summary.acked), (1, 1), "{summary}");
        Ok::<_, io::Error>(heard)
    })??;
    assert_eq!(
        heard,
        ["ok 1"],
        "the answer, and nothing for the extra line"
    );
    Ok(())
}

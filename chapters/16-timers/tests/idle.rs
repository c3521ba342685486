//! The idle-timeout echo server, on a paused clock with everything on one
//! loop: a silent client is told goodbye and closed exactly `idle` after
//! its last byte; one that keeps talking stays as long as it likes; one
//! that stops reading is closed too.

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ch16_timers::demo::idle_clients;
use ch16_timers::diary::Diary;
use ch16_timers::idle::{Ended, accept_loop};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::time::sleep;

const IDLE: Duration = Duration::from_secs(10);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A paused loop running the server; how each connection ended, with the
/// loop's time since start, lands in the returned list.
type Ends = Rc<RefCell<Vec<(Duration, String)>>>;

fn server(lp: &EventLoop) -> io::Result<(SocketAddr, Ends)> {
    lp.pause_clock();
    let listener = TcpListener::bind_on(&lp.handle(), "127.0.0.1:0".parse().unwrap())?;
    let addr = listener.local_addr()?;
    let ends = Ends::default();
    let (sink, handle, start) = (ends.clone(), lp.handle(), lp.time());
    lp.spawn(accept_loop(listener, IDLE, move |_, ended: Ended| {
        let what = match ended {
            Ended::Failed(e) => format!("Failed({:?})", e.kind()),
            other => format!("{other:?}"),
        };
        sink.borrow_mut().push((handle.time() - start, what));
    }));
    Ok((addr, ends))
}

#[test]
fn the_demo_scenario_quiet_is_closed_at_ten_seconds_chatty_stays() -> io::Result<()> {
    let lp = EventLoop::new()?;
    lp.pause_clock();
    let diary = Diary::new(&Timeline::quiet(), &lp.handle());
    lp.block_on(idle_clients::run(&diary, IDLE))??;
    let at = |who: &str, what: &str| {
        let lines = diary.lines();
        let i = lines
            .iter()
            .position(|l| l.who == who && l.what.contains(what))
            .unwrap_or_else(|| panic!("no {who} {what} in {lines:#?}"));
        (i, lines[i].at)
    };
    let goodbye = at("quiet", "idle for 10 s: goodbye");
    let quiet_end = at("server", "quiet's connection ended: Idle");
    let chatty_end = at("server", "chatty's connection ended: Closed");
    assert_eq!(goodbye.1, IDLE);
    assert_eq!(quiet_end.1, IDLE);
    assert_eq!(chatty_end.1, secs(16), "chatty stayed past the idle time");
    assert!(quiet_end.0 < chatty_end.0);
    Ok(())
}

/// Idle is measured from the last byte, not from the connection: a
/// client that speaks every 9 s is kept for 27 s, then closed 10 s after
/// it stopped.
#[test]
fn idle_counts_from_the_last_byte() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (addr, ends) = server(&lp)?;
    let heard = lp.block_on(async {
        let client = TcpStream::connect(addr).await?;
        let mut buf = [0; 64];
        for i in 0..4 {
            if i > 0 {
                sleep(secs(9)).await;
            }
            client.write_all(b"hi").await?;
            client.read_exact(&mut buf[..2]).await?;
        }
        let n = client.read(&mut buf).await?;
        let closed = client.read(&mut buf).await? == 0;
        Ok::<_, io::Error>((String::from_utf8_lossy(&buf[..n]).into_owned(), closed))
    })??;
    assert_eq!(heard, ("idle for 10 s: goodbye\n".to_owned(), true));
    assert_eq!(*ends.borrow(), [(secs(27 + 10), "Idle".to_owned())]);
    Ok(())
}

/// A client that sends a lot and reads nothing fills both socket buffers;
/// the server's `write_all` waits for room, and after `idle` without
/// any, the connection is closed as idle instead of parking the task
/// forever.
#[test]
fn a_client_that_stops_reading_is_idle_too() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let (addr, ends) = server(&lp)?;
    let sent = lp.block_on(async {
        let client = TcpStream::connect(addr).await?;
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0usize;
        // Stops when the server closes on us (a reset or broken pipe).
        while client.write_all(&chunk).await.is_ok() {
            sent += chunk.len();
        }
        Ok::<_, io::Error>(sent)
    })??;
    assert!(sent > 64 * 1024, "the buffers took some: {sent}");
    let ends = ends.borrow();
    assert_eq!(ends.len(), 1, "{ends:?}");
    assert_eq!(ends[0].1, "Idle");
    // The clock only moves by jumps to deadlines: the one that fired is
    // the write's timeout, `idle` after the last room it found.
    assert!(ends[0].0 >= IDLE, "{ends:?}");
    Ok(())
}

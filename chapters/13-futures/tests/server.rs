//! The server answers every line with its own future: lines sent together
//! are all in flight at once, and a client that leaves cancels its answers.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use ch13_futures::server;
use course::testing::{PATIENCE, open_fds};
use ghetto_loop::event_loop::EventLoop;

/// Runs `lp` one pass at a time until `done`, calling `each` after every
/// pass. A short timer makes every pass end, so `done` is checked often.
fn run_until(lp: &EventLoop, mut done: impl FnMut() -> bool, mut each: impl FnMut()) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        let tick = lp.call_later(Duration::from_millis(5), || {});
        lp.run_once().expect("a pass of the loop");
        tick.cancel();
        each();
        assert!(Instant::now() < deadline, "the server never finished");
    }
}

#[test]
fn lines_sent_together_are_answered_together() -> anyhow::Result<()> {
    course::testing::alone(|| {
        let before = open_fds();
        {
            let lp = EventLoop::new()?;
            let server = server::start(&lp, "127.0.0.1:0".parse()?)?;
            let addr = server.local_addr();
            let client = thread::spawn(move || -> std::io::Result<String> {
                let mut s = TcpStream::connect(addr)?;
                s.set_read_timeout(Some(PATIENCE))?;
                s.write_all(b"alpha\nbeta\ngamma\n")?;
                s.shutdown(Shutdown::Write)?;
                let mut got = String::new();
                s.read_to_string(&mut got)?;
                Ok(got)
            });
            let mut most_in_flight = 0;
            run_until(
                &lp,
                || client.is_finished(),
                || {
                    let stats = lp.stats();
                    most_in_flight = most_in_flight.max(stats.timers - stats.cancelled_timers);
                },
            );
            let got = client.join().expect("the client panicked")?;
            assert_eq!(
                got, "ALPHA\nBETA\nGAMMA\n",
                "every answer, then end of file"
            );
            assert_eq!(most_in_flight, 3, "three futures waited at the same time");
            server.close();
        }
        assert_eq!(open_fds(), before, "every socket closed");
        Ok(())
    })
}

#[test]
fn a_client_that_leaves_cancels_its_answers() -> anyhow::Result<()> {
    let lp = EventLoop::new()?;
    let server = server::start(&lp, "127.0.0.1:0".parse()?)?;
    let mut s = TcpStream::connect(server.local_addr())?;
    let live_timers = || {
        let stats = lp.stats();
        stats.timers - stats.cancelled_timers
    };
    // One answer that the client receives and does not read: closing a
    // socket with unread data makes the kernel reset the connection, which
    // is how a client that is really gone looks (a plain close could be a
    // client that only finished sending; the server answers that one).
    s.write_all(b"one\n")?;
    s.set_nonblocking(true)?;
    let mut byte = [0; 1];
    run_until(&lp, || s.peek(&mut byte).is_ok_and(|n| n > 0), || {});
    // Two more questions, in flight when the client leaves.
    s.write_all(b"two\nthree\n")?;
    run_until(&lp, || live_timers() == 2, || {});
    drop(s);
    // Until the connection's reader is gone and the `connection_lost` it
    // scheduled has run.
    run_until(
        &lp,
        || {
            let stats = lp.stats();
            stats.readers == 1 && stats.ready == 0
        },
        || {},
    );
    assert_eq!(
        live_timers(),
        0,
        "the timers of both answers were cancelled"
    );
    Ok(())
}

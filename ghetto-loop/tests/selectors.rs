//! The selector conformance suite: one set of tests, written once, run
//! against `select`, `poll` and `epoll` (chapters 04-06).
//!
//! Each test is a function of [`Backend`] in `suite`; the `conformance!`
//! macro stamps out a module per backend with one `#[test]` per function, so
//! `cargo nextest run -p ghetto-loop poll::` runs the suite on poll alone.
//! Where the backends honestly differ (select cannot see a hang-up, and stops
//! at fd 1,024) the difference is a field of `Backend`, not a skipped test.

mod util;

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use ghetto_loop::sys::{
    Epoll, FD_SETSIZE, Interest, Poll, Select, Selector, Shutdown, Token, raise_fd_limit,
};
use util::{PATIENCE, event_for, tcp_pair, under_signals, unix_pairs, wait_once};

/// What the suite needs to know about a backend.
struct Backend {
    /// Makes a fresh selector.
    open: fn() -> io::Result<Box<dyn Selector>>,
    /// Whether events carry `hangup` and `error` (poll and epoll); select
    /// can only say "readable" or "writable".
    tells_hangup_and_error: bool,
    /// The highest fd number + 1 it accepts, if it has a limit.
    fd_limit: Option<usize>,
    /// How many fds the many-fds test registers.
    many: usize,
    /// The unit its timeout is counted in: a shorter timeout is rounded up
    /// to one of these.
    resolution: Duration,
}

const SELECT: Backend = Backend {
    open: || Ok(Box::new(Select::new()?)),
    tells_hangup_and_error: false,
    fd_limit: Some(FD_SETSIZE),
    // Each pair is two fds, and all must stay below 1,024.
    many: 400,
    resolution: Duration::from_micros(1),
};

const POLL: Backend = Backend {
    open: || Ok(Box::new(Poll::new()?)),
    tells_hangup_and_error: true,
    fd_limit: None,
    many: 2_000,
    // ppoll(2) counts in nanoseconds (chapter 16).
    resolution: Duration::from_nanos(1),
};

const EPOLL: Backend = Backend {
    open: || Ok(Box::new(Epoll::new()?)),
    tells_hangup_and_error: true,
    fd_limit: None,
    many: 2_000,
    // epoll_pwait2(2) counts in nanoseconds (chapter 16); on a kernel older
    // than 5.11, epoll_wait's milliseconds, and the test still holds.
    resolution: Duration::from_nanos(1),
};

/// One module per backend, one test per suite function.
macro_rules! conformance {
    ($module:ident, $backend:expr) => {
        mod $module {
            use super::*;
            conformance!(@tests $backend;
                readable_when_data_arrives,
                level_triggered_until_drained,
                writable_when_there_is_room,
                modify_changes_interest_and_token,
                timeout_passes_with_no_events,
                a_sub_millisecond_timeout_is_rounded_up_not_down,
                a_zero_timeout_only_looks,
                hangup_when_the_peer_closes,
                half_close_leaves_the_write_side_open,
                error_when_the_peer_resets,
                deregister_then_close_reports_nothing,
                deregister_from_the_middle_keeps_the_rest,
                reregister_after_close_when_the_fd_number_is_reused,
                misuse_gets_clear_errors,
                wake_from_another_thread,
                many_rings_wake_once_and_each_later_ring_again,
                a_ring_still_wakes_when_the_counter_is_full,
                a_signal_during_wait_does_not_end_it_early,
                a_signal_during_wait_does_not_lose_events,
                many_fds,
                fds_at_and_above_fd_setsize,
            );
        }
    };
    (@tests $backend:expr; $($test:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() -> io::Result<()> {
                super::suite::$test(&$backend)
            }
        )*
    };
}

conformance!(select, SELECT);
conformance!(poll, POLL);
conformance!(epoll, EPOLL);

mod suite {
    use super::*;

    pub fn readable_when_data_arrives(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
        assert!(
            wait_once(&mut *sel, Duration::ZERO).is_empty(),
            "nothing was sent yet"
        );
        (&client).write_all(b"hi")?;
        let event = event_for(&mut *sel, Token(1));
        assert!(event.readable && !event.hangup && !event.error, "{event:?}");
        assert!(
            !event.writable,
            "write interest was not asked for: {event:?}"
        );
        Ok(())
    }

    pub fn level_triggered_until_drained(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
        (&client).write_all(b"12345")?;
        event_for(&mut *sel, Token(1));
        // Not read yet: every wait says so again.
        for _ in 0..3 {
            let events = wait_once(&mut *sel, PATIENCE);
            assert_eq!(events.len(), 1, "{events:?}");
            assert!(events[0].readable);
        }
        let mut buf = [0; 5];
        (&conn).read_exact(&mut buf)?;
        assert!(
            wait_once(&mut *sel, Duration::from_millis(30)).is_empty(),
            "drained: nothing left to report"
        );
        Ok(())
    }

    pub fn writable_when_there_is_room(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (_client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(2), Interest::WRITABLE)?;
        let event = event_for(&mut *sel, Token(2));
        assert!(event.writable && !event.readable, "{event:?}");

        // Fill the send buffer: then it is not writable any more.
        conn.set_nonblocking(true)?;
        let chunk = [0u8; 64 * 1024];
        loop {
            match conn.write(&chunk) {
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        assert!(
            wait_once(&mut *sel, Duration::from_millis(30)).is_empty(),
            "a full send buffer is not writable"
        );
        Ok(())
    }

    pub fn modify_changes_interest_and_token(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
        assert!(wait_once(&mut *sel, Duration::ZERO).is_empty());

        sel.modify(conn.as_fd(), Token(2), Interest::WRITABLE)?;
        let events = wait_once(&mut *sel, PATIENCE);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].token, Token(2));
        assert!(events[0].writable);

        sel.modify(conn.as_fd(), Token(3), Interest::READABLE)?;
        assert!(wait_once(&mut *sel, Duration::ZERO).is_empty());
        (&client).write_all(b"x")?;
        let event = event_for(&mut *sel, Token(3));
        assert!(event.readable && !event.writable, "{event:?}");

        sel.modify(conn.as_fd(), Token(4), Interest::BOTH)?;
        let event = event_for(&mut *sel, Token(4));
        assert!(event.readable && event.writable, "{event:?}");
        Ok(())
    }

    pub fn timeout_passes_with_no_events(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (_client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
        let timeout = Duration::from_millis(60);
        let start = Instant::now();
        let events = wait_once(&mut *sel, timeout);
        let took = start.elapsed();
        assert!(events.is_empty(), "{events:?}");
        assert!(
            took >= timeout,
            "returned after {took:?}, before {timeout:?}"
        );
        assert!(took < PATIENCE, "took {took:?}");
        Ok(())
    }

    pub fn a_sub_millisecond_timeout_is_rounded_up_not_down(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let timeout = Duration::from_micros(100);
        // Rounded up to the backend's unit (1 ms for poll and epoll), the
        // kernel sleeps at least that long. Truncated to 0, it would return at
        // once, and `wait` would have to spin on the clock until the deadline.
        let least = timeout.max(b.resolution);
        for _ in 0..20 {
            let start = Instant::now();
            assert!(wait_once(&mut *sel, timeout).is_empty());
            let took = start.elapsed();
            assert!(
                took >= least,
                "a {timeout:?} wait returned after {took:?}, not {least:?}"
            );
        }
        Ok(())
    }

    pub fn a_zero_timeout_only_looks(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
        let start = Instant::now();
        assert!(wait_once(&mut *sel, Duration::ZERO).is_empty());
        assert!(start.elapsed() < Duration::from_secs(1));
        (&client).write_all(b"x")?;
        event_for(&mut *sel, Token(1));
        // Ready now, so even a zero timeout reports it.
        let events = wait_once(&mut *sel, Duration::ZERO);
        assert_eq!(events.len(), 1, "{events:?}");
        Ok(())
    }

    pub fn hangup_when_the_peer_closes(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
        drop(client);
        let event = event_for(&mut *sel, Token(1));
        assert!(event.readable, "a reader must see the end: {event:?}");
        assert_eq!(event.hangup, b.tells_hangup_and_error, "{event:?}");
        assert_eq!(conn.read(&mut [0; 8])?, 0, "end-of-file");
        Ok(())
    }

    pub fn half_close_leaves_the_write_side_open(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::BOTH)?;
        client.shutdown(Shutdown::Write)?;
        // Wait for the end-of-file to arrive (writable alone comes first).
        let deadline = Instant::now() + PATIENCE;
        let event = loop {
            let event = event_for(&mut *sel, Token(1));
            if event.readable || Instant::now() > deadline {
                break event;
            }
        };
        assert!(event.readable && event.writable, "{event:?}");
        assert_eq!(event.hangup, b.tells_hangup_and_error, "{event:?}");
        assert_eq!(conn.read(&mut [0; 8])?, 0, "the client said that was all");

        // Our side is still open: we can answer, and the client reads it.
        (&conn).write_all(b"bye")?;
        conn.shutdown(Shutdown::Write)?;
        let mut got = Vec::new();
        (&client).read_to_end(&mut got)?;
        assert_eq!(got, b"bye");

        // A writer is not woken by an end-of-file it will never read.
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(2), Interest::WRITABLE)?;
        client.shutdown(Shutdown::Write)?;
        for _ in 0..3 {
            let event = event_for(&mut *sel, Token(2));
            assert!(event.writable && !event.readable, "{event:?}");
        }
        Ok(())
    }

    pub fn error_when_the_peer_resets(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        // Closing a socket with unread data makes the kernel answer with a
        // reset (RST) instead of a polite end-of-file (FIN).
        (&client).write_all(b"never read")?;
        sel.register(conn.as_fd(), Token(2), Interest::READABLE)?;
        event_for(&mut *sel, Token(2));
        sel.deregister(conn.as_fd())?;
        drop(conn);

        sel.register(client.as_fd(), Token(1), Interest::READABLE)?;
        let event = event_for(&mut *sel, Token(1));
        assert!(event.readable, "{event:?}");
        assert_eq!(event.error, b.tells_hangup_and_error, "{event:?}");
        assert_eq!(event.hangup, b.tells_hangup_and_error, "{event:?}");
        let err = client.read(&mut [0; 8]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
        Ok(())
    }

    pub fn deregister_then_close_reports_nothing(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::BOTH)?;
        event_for(&mut *sel, Token(1));
        sel.deregister(conn.as_fd())?;
        let err = sel.deregister(conn.as_fd()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        drop(conn);
        // The peer's data and the close would make the fd ready, if anyone
        // still watched it.
        let _ = (&client).write_all(b"anyone?");
        drop(client);
        let events = wait_once(&mut *sel, Duration::from_millis(50));
        assert!(events.is_empty(), "{events:?}");
        Ok(())
    }

    pub fn deregister_from_the_middle_keeps_the_rest(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let pairs = unix_pairs(6)?;
        for (i, (ours, _)) in pairs.iter().enumerate() {
            sel.register(ours.as_fd(), Token(i), Interest::READABLE)?;
        }
        // Out of order, so a backend that keeps an array must move entries.
        for i in [1, 4, 0] {
            sel.deregister(pairs[i].0.as_fd())?;
        }
        for i in [5, 3] {
            sel.modify(pairs[i].0.as_fd(), Token(10 * i), Interest::READABLE)?;
        }
        for (_, theirs) in &pairs {
            (&*theirs).write_all(b"x")?;
        }
        let events = wait_once(&mut *sel, PATIENCE);
        let mut tokens: Vec<usize> = events.iter().map(|e| e.token.0).collect();
        tokens.sort();
        assert_eq!(tokens, [2, 30, 50]);
        for i in [2, 3, 5] {
            sel.deregister(pairs[i].0.as_fd())?;
        }
        assert!(wait_once(&mut *sel, Duration::from_millis(20)).is_empty());
        Ok(())
    }

    pub fn reregister_after_close_when_the_fd_number_is_reused(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (_old_client, old) = tcp_pair()?;
        let number = old.as_raw_fd();
        sel.register(old.as_fd(), Token(1), Interest::READABLE)?;
        sel.deregister(old.as_fd())?;

        // Make fd `number` name a different connection: dup2 closes the old
        // file and puts the new one at the same number, as a close followed
        // by an accept would, without depending on luck.
        let (new_client, new) = tcp_pair()?;
        let mut reused: OwnedFd = old.into();
        nix::unistd::dup2(new.as_fd(), &mut reused)?;
        assert_eq!(reused.as_raw_fd(), number);
        drop(new);

        sel.register(reused.as_fd(), Token(2), Interest::READABLE)?;
        (&new_client).write_all(b"new")?;
        let events = wait_once(&mut *sel, PATIENCE);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].token, Token(2), "the old token is gone");
        sel.deregister(reused.as_fd())?;
        Ok(())
    }

    pub fn misuse_gets_clear_errors(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (_client, conn) = tcp_pair()?;
        let err = sel
            .register(conn.as_fd(), Token::DOORBELL, Interest::READABLE)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("reserved"), "{err}");

        let err = sel
            .modify(conn.as_fd(), Token(1), Interest::READABLE)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        let err = sel.deregister(conn.as_fd()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");

        sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
        let err = sel
            .register(conn.as_fd(), Token(2), Interest::WRITABLE)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        assert!(
            err.to_string().contains(&conn.as_raw_fd().to_string()),
            "{err}"
        );
        let err = sel
            .modify(conn.as_fd(), Token::DOORBELL, Interest::READABLE)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);

        // The doorbell's own fd is the selector's, not ours to touch.
        let doorbell = sel.doorbell();
        let err = sel
            .register(doorbell.as_fd(), Token(3), Interest::READABLE)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        let err = sel.deregister(doorbell.as_fd()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        let err = sel
            .modify(doorbell.as_fd(), Token(3), Interest::READABLE)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
        // And it still works.
        doorbell.ring()?;
        assert_woken(&mut *sel, "the doorbell still wakes");
        Ok(())
    }

    pub fn wake_from_another_thread(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let doorbell = sel.doorbell();
        let (about_to_wait, waiting) = std::sync::mpsc::channel();
        let waking = std::thread::spawn(move || {
            // Wake only once the other thread is (about to be) in `wait`. If
            // the wake-up lands just before the call, the eventfd stays
            // readable and the wait returns at once all the same.
            waiting.recv_timeout(PATIENCE).expect("the waiter starts");
            doorbell.ring()
        });
        about_to_wait.send(()).expect("the waking thread lives");
        let start = Instant::now();
        let events = wait_once(&mut *sel, PATIENCE * 2);
        let took = start.elapsed();
        waking.join().expect("no panic")?;
        assert!(
            events.is_empty(),
            "the doorbell is never reported: {events:?}"
        );
        assert!(
            took < PATIENCE,
            "the wake-up did not end the wait ({took:?})"
        );

        // The wake-up was consumed: the next wait times out.
        assert_quiet(&mut *sel, "the wake-up was not consumed");
        Ok(())
    }

    /// Waits up to `PATIENCE`: a ring must end the wait early, and the
    /// doorbell is never reported as an event.
    fn assert_woken(sel: &mut dyn Selector, what: &str) {
        let start = Instant::now();
        let events = wait_once(sel, PATIENCE);
        assert!(
            events.is_empty(),
            "{what}: the doorbell was reported: {events:?}"
        );
        assert!(start.elapsed() < PATIENCE, "{what}");
    }

    /// Waits 30 ms: with no ring pending, nothing ends the wait early.
    fn assert_quiet(sel: &mut dyn Selector, what: &str) {
        let start = Instant::now();
        assert!(
            wait_once(sel, Duration::from_millis(30)).is_empty(),
            "{what}"
        );
        assert!(start.elapsed() >= Duration::from_millis(30), "{what}");
    }

    pub fn many_rings_wake_once_and_each_later_ring_again(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let doorbell = sel.doorbell();
        for _ in 0..3 {
            doorbell.ring()?;
        }
        assert_woken(&mut *sel, "three rings did not wake");
        // Three rings before a wait are one wake-up, not three.
        assert_quiet(&mut *sel, "woken twice");
        // Quieted, not deaf: each ring after a wait wakes the next one.
        for round in 0..3 {
            doorbell.ring()?;
            assert_woken(&mut *sel, &format!("ring {round} after a wait was lost"));
        }
        Ok(())
    }

    /// An eventfd's counter stops at 2^64 - 2, and a write that would pass
    /// it fails with `EAGAIN`. A failed write is no edge: an edge-triggered
    /// doorbell that took `EAGAIN` to mean "readable already" would lose
    /// the ring once a wait had reported that readiness.
    pub fn a_ring_still_wakes_when_the_counter_is_full(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let doorbell = sel.doorbell();
        let mut raw = std::fs::File::from(doorbell.as_fd().try_clone_to_owned()?);
        raw.write_all(&(u64::MAX - 1).to_ne_bytes())?;
        // That write rang, and this wait hears it. select and poll read the
        // counter back to 0; epoll's edge is spent and the counter stays full.
        assert!(wait_once(&mut *sel, PATIENCE).is_empty());
        doorbell.ring()?;
        assert_woken(&mut *sel, "a ring on a full counter was lost");
        Ok(())
    }

    pub fn a_signal_during_wait_does_not_end_it_early(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let timeout = Duration::from_millis(300);
        let ((result, took), signals) = under_signals(|| {
            let start = Instant::now();
            let mut events = Vec::new();
            let result = sel.wait(&mut events, Some(timeout)).map(|()| events);
            (result, start.elapsed())
        });
        let events = result?;
        assert!(signals >= 1, "no signal arrived during the wait");
        assert!(events.is_empty(), "{events:?}");
        assert!(
            took >= timeout,
            "{signals} signals ended a {timeout:?} wait after {took:?}"
        );
        // Waiting the full timeout again after each of ~60 signals would
        // take 18 s; waiting for the time left takes 0.3 s.
        assert!(
            took < Duration::from_secs(3),
            "took {took:?}: the timeout restarted on EINTR"
        );
        Ok(())
    }

    pub fn a_signal_during_wait_does_not_lose_events(b: &Backend) -> io::Result<()> {
        let mut sel = (b.open)()?;
        let (client, conn) = tcp_pair()?;
        sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            (&client).write_all(b"late").map(|()| client)
        });
        let (events, signals) = under_signals(|| wait_once(&mut *sel, PATIENCE));
        let _client = sender.join().expect("no panic")?;
        assert!(signals >= 1, "no signal arrived during the wait");
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].token, Token(1));
        assert!(events[0].readable);
        Ok(())
    }

    pub fn many_fds(b: &Backend) -> io::Result<()> {
        raise_fd_limit()?;
        let mut sel = (b.open)()?;
        let pairs = unix_pairs(b.many)?;
        for (i, (ours, _)) in pairs.iter().enumerate() {
            sel.register(ours.as_fd(), Token(i), Interest::READABLE)?;
        }
        // Only every seventh peer speaks: exactly those are reported.
        let speakers: Vec<usize> = (0..b.many).step_by(7).collect();
        for &i in &speakers {
            (&pairs[i].1).write_all(b"x")?;
        }
        let mut events = wait_once(&mut *sel, PATIENCE);
        let mut tokens: Vec<usize> = events.iter().map(|e| e.token.0).collect();
        tokens.sort();
        assert_eq!(tokens, speakers);
        for &i in &speakers {
            (&pairs[i].0).read_exact(&mut [0; 1])?;
        }

        // Now all of them speak: every one is reported, and none again once
        // drained (epoll hands out at most 1,024 per wait; the rest come next).
        for (_, theirs) in &pairs {
            (&*theirs).write_all(b"y")?;
        }
        let mut seen = vec![false; b.many];
        let deadline = Instant::now() + PATIENCE;
        while seen.contains(&false) && Instant::now() < deadline {
            sel.wait(&mut events, Some(PATIENCE))?;
            for event in &events {
                let i = event.token.0;
                assert!(!seen[i], "fd {i} reported again after it was drained");
                seen[i] = true;
                (&pairs[i].0).read_exact(&mut [0; 1])?;
            }
        }
        let missing = seen.iter().filter(|s| !**s).count();
        assert_eq!(missing, 0, "{missing} of {} fds never reported", b.many);
        Ok(())
    }

    pub fn fds_at_and_above_fd_setsize(b: &Backend) -> io::Result<()> {
        raise_fd_limit()?;
        let mut sel = (b.open)()?;
        // Open pairs until one end is numbered 1,024 or more.
        let mut pairs = Vec::new();
        let high = loop {
            let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
            if ours.as_raw_fd() as usize >= FD_SETSIZE {
                break (ours, theirs);
            }
            pairs.push((ours, theirs));
        };
        let low = &pairs[0];
        let result = sel.register(high.0.as_fd(), Token(1), Interest::READABLE);
        match b.fd_limit {
            Some(limit) => {
                let err = result.unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
                assert!(err.to_string().contains(&limit.to_string()), "{err}");
                // Refused, not half-registered: a low fd still works as usual.
                sel.register(low.0.as_fd(), Token(2), Interest::READABLE)?;
                (&high.1).write_all(b"ignored")?;
                (&low.1).write_all(b"seen")?;
                let events = wait_once(&mut *sel, PATIENCE);
                assert_eq!(events.len(), 1, "{events:?}");
                assert_eq!(events[0].token, Token(2));
            }
            None => {
                result?;
                (&high.1).write_all(b"seen")?;
                let event = event_for(&mut *sel, Token(1));
                assert!(event.readable);
            }
        }
        Ok(())
    }
}

/// Edge-triggered epoll: reported when it becomes ready, once (chapter 06).
#[test]
fn edge_triggered_epoll_reports_a_change_once() -> io::Result<()> {
    let mut sel = Epoll::edge_triggered()?;
    assert!(sel.is_edge_triggered());
    let (client, conn) = tcp_pair()?;
    sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
    (&client).write_all(b"first")?;
    assert_eq!(event_for(&mut sel, Token(1)).token, Token(1));
    // Not drained, but no news: edge-triggered stays quiet...
    assert!(wait_once(&mut sel, Duration::from_millis(50)).is_empty());
    // ...until more data arrives: a new edge.
    (&client).write_all(b"second")?;
    event_for(&mut sel, Token(1));
    // Both messages were waiting all along.
    let mut buf = [0u8; 11];
    (&conn).read_exact(&mut buf)?;
    assert_eq!(&buf, b"firstsecond");

    // The level-triggered default reports the same undrained fd every time.
    let mut level = Epoll::new()?;
    assert!(!level.is_edge_triggered());
    level.register(client.as_fd(), Token(2), Interest::READABLE)?;
    (&conn).write_all(b"ping")?;
    event_for(&mut level, Token(2));
    assert_eq!(wait_once(&mut level, PATIENCE).len(), 1);
    Ok(())
}

/// Why the contract says "deregister, then close": epoll watches the open
/// file, not the fd number. Close the fd while a duplicate keeps the file
/// open, and its events keep coming, for a number that no longer exists.
#[test]
fn epoll_keeps_reporting_a_closed_fd_whose_file_is_still_open() -> io::Result<()> {
    let mut sel = Epoll::new()?;
    let (client, conn) = tcp_pair()?;
    let conn: OwnedFd = conn.into();
    let duplicate = conn.try_clone()?;
    sel.register(conn.as_fd(), Token(1), Interest::READABLE)?;
    drop(conn); // closed, not deregistered: the mistake
    (&client).write_all(b"boo")?;
    let event = event_for(&mut sel, Token(1));
    assert!(event.readable, "a ghost event for a closed fd: {event:?}");
    // And the duplicate cannot remove it: epoll knows it by the old number.
    let err = sel.deregister(duplicate.as_fd()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    Ok(())
}

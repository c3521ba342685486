//! The app through its public API on every shell: ghetto-loop on every
//! selector, tokio's current-thread runtime and its multi-thread one. The
//! same test, the same answers.

mod util;

use std::io::Write;
use std::net::TcpListener as StdListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use ch21_capstone::FetchPlan;
use ch21_capstone::demo::BAD_INPUTS;
use util::{ChatClient, HttpClient, PATIENCE, on_every_runtime, one_answer};

/// Reads `/status` and returns the number after `"key":`.
fn figure(http: std::net::SocketAddr, key: &str) -> anyhow::Result<u64> {
    let body = one_answer(http, b"GET /status HTTP/1.1\r\nHost: t\r\n\r\n")?.body;
    let needle = format!("\"{key}\":");
    let at = body
        .find(&needle)
        .ok_or_else(|| anyhow::anyhow!("no {key} in {body}"))?
        + needle.len();
    let digits: String = body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Ok(digits.parse()?)
}

on_every_runtime! {
    /// Two members talk; bad lines are refused and the member stays; /quit
    /// says bye and the other is told.
    fn chat_exchange(on) {
        let app = on.start(|_| {})?;
        let mut alice = ChatClient::connect(app.chat)?;
        assert!(alice.line()?.starts_with("* welcome, guest-1!"));
        let mut bob = ChatClient::connect(app.chat)?;
        assert!(bob.line()?.starts_with("* welcome, guest-2!"));
        assert_eq!(alice.line()?, "* guest-2 joined");
        alice.send(b"/nick alice\n")?;
        assert_eq!(bob.line()?, "* guest-1 is now alice");
        alice.send(b"hi bob\n")?;
        assert_eq!(bob.line()?, "<alice> hi bob");
        bob.send(&[b'y'; 3000])?;
        bob.send(b"\n\xff\xfe\n/who\n")?;
        assert_eq!(bob.line()?, "! line too long (over 1024 bytes); it was not sent");
        assert_eq!(bob.line()?, "! that line is not valid UTF-8; it was not sent");
        assert_eq!(bob.line()?, "* here: alice, guest-2 (2)");
        bob.send(b"/quit\n")?;
        assert_eq!(bob.rest()?, ["* bye"]);
        assert_eq!(alice.line_where(|l| l.starts_with('*'))?, "* guest-1 is now alice");
        assert_eq!(alice.line()?, "* guest-2 left");
        assert_eq!(figure(app.http, "refused")?, 2);
        assert_eq!(figure(app.http, "members")?, 1);
        app.running.shut_down()?;
        Ok(())
    }

    /// A member that never reads is skipped once its outbox is full, then
    /// disconnected after the grace period; the room is told, and chats on.
    fn slow_reader_is_dropped_while_others_chat_on(on) {
        let app = on.start(|c| {
            c.room.outbox = 64;
            c.room.grace = Duration::from_millis(200);
        })?;
        let mut alice = ChatClient::connect(app.chat)?;
        alice.line()?;
        let _slow = ChatClient::connect(app.chat)?; // never reads
        alice.line()?;
        let mut bob = ChatClient::connect(app.chat)?;
        bob.line()?;
        alice.line()?;
        // Bob reads everything in a thread and hands each line over.
        let (heard, from_bob) = mpsc::channel();
        let reader = thread::spawn(move || {
            while let Ok(line) = bob.line() {
                if heard.send(line).is_err() {
                    break;
                }
            }
        });
        let next_for_bob = || {
            from_bob
                .recv_timeout(PATIENCE)
                .map_err(|_| anyhow::anyhow!("bob heard nothing for {PATIENCE:?}"))
        };
        // Lines of 1000 bytes, 16 to a write, until the server has dropped
        // the member that does not read: its socket buffers fill, then its
        // outbox, then the grace period runs out. Each write waits until
        // Bob has read the one before, so his outbox never holds more than
        // one write's lines, however the runtime schedules its tasks and
        // this machine its threads.
        let batch = format!("{}\n", "z".repeat(1000)).repeat(16);
        let notice = 'flood: loop {
            alice.send(batch.as_bytes())?;
            for _ in 0..16 {
                let line = next_for_bob()?;
                if !line.starts_with("<guest-1> z") {
                    break 'flood line;
                }
            }
            anyhow::ensure!(figure(app.http, "said")? < 1_000_000, "the slow member was never dropped");
        };
        assert!(notice.starts_with("* guest-2 was disconnected: not reading ("), "{notice}");
        assert_eq!(alice.line()?, notice, "everyone is told");
        assert_eq!(figure(app.http, "dropped_slow")?, 1);
        assert!(figure(app.http, "skipped")? > 0);
        alice.send(b"still here\n")?;
        let after = loop {
            let line = next_for_bob()?;
            if !line.starts_with("<guest-1> z") {
                break line;
            }
        };
        assert_eq!(after, "<guest-1> still here");
        app.running.shut_down()?;
        reader.join().expect("bob's reader does not panic");
        Ok(())
    }

    /// Pipelined requests on one kept-alive connection are answered in
    /// order; HEAD has no body; HTTP/1.0 closes unless asked not to.
    fn http_keep_alive_and_pipelining(on) {
        let app = on.start(|_| {})?;
        let mut c = HttpClient::connect(app.http)?;
        c.send(b"GET /hello/one HTTP/1.1\r\nHost: t\r\n\r\nHEAD /hello/two HTTP/1.1\r\nHost: t\r\n\r\nGET /hello/three HTTP/1.1\r\nHost: t\r\n\r\n")?;
        assert_eq!(c.answer(false)?.body, "hello, one\n");
        let head = c.answer(true)?;
        assert_eq!((head.status, head.header("content-length")), (200, Some("11")));
        assert_eq!(c.answer(false)?.body, "hello, three\n");
        c.send(b"GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")?;
        assert_eq!(c.answer(false)?.status, 404);
        c.send(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")?;
        assert!(c.answer(false)?.closes());
        assert!(c.closed()?);
        let mut old = HttpClient::connect(app.http)?;
        old.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?;
        assert_eq!(old.answer(false)?.header("connection"), Some("keep-alive"));
        old.send(b"GET / HTTP/1.0\r\n\r\n")?;
        assert!(old.answer(false)?.closes());
        assert!(old.closed()?);
        assert_eq!(figure(app.http, "2xx")?, 6);
        app.running.shut_down()?;
        Ok(())
    }

    /// Every bad input gets its status, a one-line body, and (but for the
    /// 405) a close; the server serves the next client as before.
    fn every_bad_input_gets_a_clear_answer(on) {
        let app = on.start(|c| c.header_timeout = Duration::from_millis(200))?;
        let expected = [400, 501, 405, 411, 501, 505, 400];
        for ((what, bytes), status) in BAD_INPUTS.iter().zip(expected) {
            let mut c = HttpClient::connect(app.http)?;
            c.send(bytes)?;
            let a = c.answer(false)?;
            assert_eq!(a.status, status, "{what}: {a:?}");
            assert_eq!(a.body.lines().count(), 1, "{what}");
            assert!(a.body.starts_with(&format!("{status} ")), "{what}: {}", a.body);
            if status == 405 {
                assert_eq!(a.header("allow"), Some("GET, HEAD"));
            } else {
                assert!(a.closes() && c.closed()?, "{what} closes");
            }
        }
        let mut huge = HttpClient::connect(app.http)?;
        huge.send(b"GET / HTTP/1.1\r\nHost: t\r\n")?;
        huge.send(&b"X-Filler: 0123456789abcdef\r\n".repeat(400))?;
        let a = huge.answer(false)?;
        assert_eq!(a.status, 431);
        assert!(huge.closed()?);
        // Half a head, a byte at a time, then silence: 408 and a close.
        let mut slow = HttpClient::connect(app.http)?;
        for b in b"GET / HTTP/1.1\r\nHo" {
            slow.send(&[*b])?;
        }
        let a = slow.answer(false)?;
        assert_eq!(a.status, 408);
        assert!(slow.closed()?);
        assert_eq!(one_answer(app.http, b"GET /hello/after HTTP/1.1\r\nHost: t\r\n\r\n")?.body, "hello, after\n");
        assert_eq!(figure(app.http, "5xx")?, 3);
        app.running.shut_down()?;
        Ok(())
    }

    /// The fetcher completes N requests with K connections; against a
    /// server that never answers, each request times out.
    fn the_fetcher_gathers_and_times_out(on) {
        let app = on.start(|_| {})?;
        let plan = FetchPlan { requests: 300, in_flight: 8, ..FetchPlan::default() };
        let report = on.runtime.fetch(on.selector, app.http, plan)?;
        assert_eq!((report.completed, report.failures(), report.connections), (300, 0, 8));
        assert!(report.percentile(0.5) <= report.percentile(0.99));
        let plan = FetchPlan { requests: 5, in_flight: 5, path: "/nowhere".into(), ..FetchPlan::default() };
        let report = on.runtime.fetch(on.selector, app.http, plan)?;
        assert_eq!(report.failed.get("status 404"), Some(&5));
        app.running.shut_down()?;

        let stall = StdListener::bind("127.0.0.1:0")?;
        let addr = stall.local_addr()?;
        let holder = thread::spawn(move || {
            // Accept and hold every connection, answering nothing.
            let mut held = Vec::new();
            for c in stall.incoming().take(4) {
                held.push(c);
            }
            held
        });
        let plan = FetchPlan { requests: 4, in_flight: 2, timeout: Duration::from_millis(100), ..FetchPlan::default() };
        let report = on.runtime.fetch(on.selector, addr, plan)?;
        assert_eq!(report.completed, 0);
        assert_eq!(report.failed.get("timed out"), Some(&4), "{report}");
        assert_eq!(report.connections, 4, "a timed-out connection is not reused");
        drop(holder.join());
        Ok(())
    }

    /// Shutdown: members told goodbye, an idle connection closed at once, a
    /// request half-sent is answered (with a close) once it is complete.
    fn graceful_shutdown(on) {
        let app = on.start(|c| c.grace = PATIENCE)?;
        let mut member = ChatClient::connect(app.chat)?;
        member.line()?;
        let mut idle = HttpClient::connect(app.http)?;
        idle.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")?;
        idle.answer(false)?;
        let mut busy = HttpClient::connect(app.http)?;
        // One write: the first request is answered, so the server has read
        // the half of the second too.
        busy.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\nGET /hello/late HTTP/1.1\r\nHo")?;
        busy.answer(false)?;
        app.running.stop_switch().trigger();
        assert!(idle.closed()?, "the idle connection is closed at once");
        assert_eq!(member.rest()?, ["* the server is shutting down; goodbye"]);
        busy.send(b"st: t\r\n\r\n")?;
        let late = busy.answer(false)?;
        assert_eq!(late.body, "hello, late\n");
        assert!(late.closes());
        assert!(busy.closed()?);
        let report = app.running.wait()?;
        assert_eq!((report.told_goodbye, report.http_finished, report.http_idle_closed), (1, 1, 1));
        assert!(report.clean);
        assert!(std::net::TcpStream::connect(app.http).is_err(), "no longer accepting");
        Ok(())
    }

    /// The switch thrown on a thread of its own ends the server: nothing
    /// polls it, so the throw itself reaches the runtime, through the
    /// waiting task's waker.
    fn stop_from_another_thread_ends_the_server(on) {
        let app = on.start(|_| {})?;
        let stop = app.running.stop_switch();
        thread::spawn(move || stop.trigger()).join().expect("the throwing thread does not panic");
        let report = app.running.wait()?;
        assert!(report.clean);
        assert!(std::net::TcpStream::connect(app.http).is_err(), "no longer accepting");
        Ok(())
    }

    /// A whole session, then shutdown: every fd the app opened is closed.
    fn no_fd_is_leaked(on) {
        // Alone in its process: another test's sockets would be counted.
        course::testing::alone(|| -> anyhow::Result<()> {
            // A runtime makes some process-wide things once, on first use
            // (tokio: its signal pipe); a first run makes them.
            on.start(|_| {})?.running.shut_down()?;
            let before = util::open_fds();
            let app = on.start(|_| {})?;
            let mut m = ChatClient::connect(app.chat)?;
            m.line()?;
            m.send(b"hello\n/quit\n")?;
            m.rest()?;
            let plan = FetchPlan { requests: 100, in_flight: 4, ..FetchPlan::default() };
            assert_eq!(on.runtime.fetch(on.selector, app.http, plan)?.completed, 100);
            let mut c = HttpClient::connect(app.http)?;
            c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")?;
            c.answer(false)?;
            app.running.shut_down()?;
            drop((m, c));
            let same = course::testing::wait_until(PATIENCE, || util::open_fds() == before);
            assert!(same, "{before} fds before, {} after", util::open_fds());
            Ok(())
        })
    }

    /// Two loops share the HTTP port (SO_REUSEPORT); the first runs the chat.
    /// (tokio-mt is one runtime whatever the count: its workers share one
    /// listener.)
    fn per_core_shares_one_port(on) {
        let mut config = ch21_capstone::Config::local();
        config.selector = on.selector;
        let running = ch21_capstone::start(on.runtime, config, 2)?;
        for i in 0..20 {
            let body = one_answer(running.addrs.http, format!("GET /hello/n{i} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes())?.body;
            assert_eq!(body, format!("hello, n{i}\n"));
        }
        let chat = running.addrs.chat.ok_or_else(|| anyhow::anyhow!("the first core runs the chat"))?;
        let mut m = ChatClient::connect(chat)?;
        assert!(m.line()?.starts_with("* welcome"));
        running.shut_down()?;
        let _ = std::io::stdout().flush();
        Ok(())
    }
}

//! The specification of exercise 15-1: do not edit; make it pass.
//!
//! Each test runs your `LineReader` on the server side of a real TCP
//! connection, in a task on a ghetto-loop loop; a thread plays the client.

use std::future::{Future, poll_fn};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::task::Poll;
use std::thread;

use course::testing::PATIENCE;
use ex15_1_read_line::LineReader;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::net::{TcpListener, TcpStream};

/// Connects a client thread, running `client`, to a server running
/// `server` on a loop on this thread; returns what `server` returned.
fn on_a_loop<F, T>(
    client: impl FnOnce(std::net::TcpStream) -> io::Result<()> + Send + 'static,
    server: impl FnOnce(TcpStream) -> F,
) -> T
where
    F: Future<Output = io::Result<T>>,
{
    let lp = EventLoop::new().expect("a loop");
    let listener = TcpListener::bind_on(&lp, SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
    let addr = listener.local_addr().unwrap();
    let client = thread::spawn(move || client(std::net::TcpStream::connect(addr)?));
    let served = lp
        .block_on(async {
            let (stream, _) = listener.accept().await?;
            server(stream).await
        })
        .expect("the loop ran");
    let served = served.expect("read_line returned an I/O error");
    // A client that wrote everything and left; its errors do not count.
    let _ = client.join();
    served
}

/// Sends `bytes` in one write, then closes.
fn sends(bytes: &'static [u8]) -> impl FnOnce(std::net::TcpStream) -> io::Result<()> + Send {
    move |mut s| s.write_all(bytes)
}

/// Every line until end-of-file, or the first error.
async fn all_lines(reader: &mut LineReader, stream: &TcpStream) -> io::Result<Vec<String>> {
    let mut lines = Vec::new();
    while let Some(line) = reader.read_line(stream).await? {
        lines.push(line);
    }
    Ok(lines)
}

#[test]
fn one_line_then_none_at_end_of_file() {
    let lines = on_a_loop(sends(b"hello\n"), |s| async move {
        all_lines(&mut LineReader::new(64), &s).await
    });
    assert_eq!(lines, ["hello"]);
}

#[test]
fn several_lines_in_one_read_are_returned_one_by_one() {
    let lines = on_a_loop(sends(b"one\ntwo\n\nthree\n"), |s| async move {
        all_lines(&mut LineReader::new(64), &s).await
    });
    assert_eq!(lines, ["one", "two", "", "three"]);
}

#[test]
fn a_last_line_without_a_newline_is_still_a_line() {
    let lines = on_a_loop(sends(b"first\nlast"), |s| async move {
        all_lines(&mut LineReader::new(64), &s).await
    });
    assert_eq!(lines, ["first", "last"]);
}

#[test]
fn nothing_at_all_is_none() {
    let lines = on_a_loop(sends(b""), |s| async move {
        all_lines(&mut LineReader::new(64), &s).await
    });
    assert!(lines.is_empty(), "{lines:?}");
}

/// The client sends "hel" and waits; only once `read_line` has said
/// `Pending` (it took "hel" and waits for more) does the rest follow.
#[test]
fn a_line_split_across_reads_comes_back_whole() {
    let (sent_tx, sent_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel();
    let client = move |mut s: std::net::TcpStream| {
        s.write_all(b"hel")?;
        let _ = sent_tx.send(());
        let _ = go_rx.recv_timeout(PATIENCE);
        s.write_all(b"lo\nworld\n")
    };
    let (lines, pendings) = on_a_loop(client, |s| async move {
        // Blocking the loop's thread is fine here: nothing else runs on it.
        let _ = sent_rx.recv_timeout(PATIENCE);
        let mut reader = LineReader::new(64);
        let mut pendings = 0;
        let first = {
            let mut line = pin!(reader.read_line(&s));
            poll_fn(|cx| {
                let poll = line.as_mut().poll(cx);
                if poll.is_pending() {
                    pendings += 1;
                    let _ = go_tx.send(());
                }
                poll
            })
            .await?
        };
        let mut lines: Vec<String> = first.into_iter().collect();
        lines.extend(all_lines(&mut reader, &s).await?);
        Ok((lines, pendings))
    });
    assert_eq!(lines, ["hello", "world"]);
    assert!(pendings >= 1, "read_line waited for the rest of the line");
}

/// Two lines come in one read, and the client stays connected and silent
/// until the test is over: the second line is already in the buffer, so
/// the second `read_line` must return it at its first poll, without
/// reading (a read would find nothing, and wait).
#[test]
fn a_line_already_in_the_buffer_comes_without_a_read() {
    let (sent_tx, sent_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let client = move |mut s: std::net::TcpStream| {
        s.write_all(b"one\ntwo\n")?;
        let _ = sent_tx.send(());
        let _ = done_rx.recv_timeout(PATIENCE);
        Ok(())
    };
    let (first, second) = on_a_loop(client, |s| async move {
        // Blocking the loop's thread is fine here: nothing else runs on it.
        let _ = sent_rx.recv_timeout(PATIENCE);
        let mut reader = LineReader::new(64);
        let first = reader.read_line(&s).await?;
        let second = {
            let mut line = pin!(reader.read_line(&s));
            poll_fn(|cx| Poll::Ready(line.as_mut().poll(cx))).await
        };
        let _ = done_tx.send(());
        Ok((first, second))
    });
    assert_eq!(first.as_deref(), Some("one"));
    match second {
        Poll::Ready(line) => assert_eq!(line.ok().flatten().as_deref(), Some("two")),
        Poll::Pending => panic!("read_line read the socket with a whole line in its buffer"),
    }
}

#[test]
fn a_line_of_exactly_max_bytes_is_fine_and_one_more_is_invalid_data() {
    let result = on_a_loop(sends(b"12345678\n123456789\nnever\n"), |s| async move {
        let mut reader = LineReader::new(8);
        let first = reader.read_line(&s).await?;
        Ok((first, reader.read_line(&s).await))
    });
    assert_eq!(result.0.as_deref(), Some("12345678"));
    let err = result.1.expect_err("a 9-byte line with max 8");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
}

/// The client sends a long line with no newline and waits for the test
/// before it closes: the error must come from the limit, not from the
/// end of the stream.
#[test]
fn a_line_over_the_limit_fails_as_soon_as_it_is_too_long() {
    let closed = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let client = {
        let closed = closed.clone();
        move |mut s: std::net::TcpStream| {
            s.write_all(&[b'x'; 10_000])?;
            let _ = done_rx.recv_timeout(PATIENCE);
            closed.store(true, Ordering::SeqCst);
            Ok(())
        }
    };
    let (result, closed_before) = on_a_loop(client, |s| async move {
        let result = LineReader::new(64).read_line(&s).await;
        let closed_before = closed.load(Ordering::SeqCst);
        let _ = done_tx.send(());
        Ok((result, closed_before))
    });
    let err = result.expect_err("a line over the limit");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert!(!closed_before, "read_line waited for the client to close");
}

#[test]
fn a_line_that_is_not_utf8_is_invalid_data() {
    let result = on_a_loop(sends(b"caf\xe9\n"), |s| async move {
        Ok(LineReader::new(64).read_line(&s).await)
    });
    let err = result.expect_err("Latin-1 is not UTF-8");
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
}

//! `Stream`: async iteration, Python's `async for` (chapter 17).
//!
//! An `Iterator` answers `next()` with `Some(item)` or `None`. A `Stream`
//! answers `poll_next` with `Ready(Some(item))`, `Ready(None)` (the end),
//! or `Pending` (not yet: the waker is kept, as with any future). It is to
//! `Iterator` what `Future` is to a plain value, and Python's `__anext__`
//! in Rust's pull shape. `while let Some(x) = stream.next().await` is
//! `async for x in stream`.
//!
//! The trait is the `futures` crate's (and `std`'s unstable
//! `AsyncIterator`), written out here because the standard library has
//! none yet. Three streams show it: [`mpsc::Receiver`]
//! (a stream of messages), chapter 16's [`Interval`] (a stream of ticks
//! that never ends), and [`Lines`], written by hand as a state machine over
//! a [`TcpStream`]: what an `async gen` in Python, or an `async` generator
//! the Rust compiler does not yet write for us, would compile to. [`iter`]
//! turns an iterator into a stream.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use super::mpsc;
use crate::net::TcpStream;
use crate::time::Interval;

/// Values that come one at a time, each when it is ready.
pub trait Stream {
    /// What the stream yields.
    type Item;

    /// The next item: `Ready(Some(item))`, `Ready(None)` at the end, or
    /// `Pending` with `cx`'s waker kept to be woken when there is more.
    /// After `Ready(None)`, a stream may answer anything (as an iterator
    /// may); the streams here keep answering `Ready(None)`.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>>;
}

/// `next().await` for every [`Stream`].
pub trait StreamExt: Stream {
    /// The next item, as a future: `while let Some(x) = s.next().await`.
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as the stream's `poll_next`: for every stream in
    /// this module, an item leaves the stream only in the poll that returns
    /// it, so a dropped `next()` loses nothing.
    fn next(&mut self) -> Next<'_, Self>
    where
        Self: Unpin,
    {
        Next { stream: self }
    }
}

impl<S: Stream + ?Sized> StreamExt for S {}

/// The future of [`StreamExt::next`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Next<'a, S: ?Sized> {
    stream: &'a mut S,
}

impl<S: Stream + Unpin + ?Sized> Future for Next<'_, S> {
    type Output = Option<S::Item>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut *self.stream).poll_next(cx)
    }
}

impl<S: Stream + Unpin + ?Sized> Stream for &mut S {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        Pin::new(&mut **self).poll_next(cx)
    }
}

/// A receiver is the stream of its messages; it ends when every sender is
/// gone and the queue is drained.
impl<T> Stream for mpsc::Receiver<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.poll_recv(cx)
    }
}

/// An interval is the endless stream of its ticks (each the `Instant` it
/// was due); see [`Interval::tick`] for what a missed tick does.
///
/// ```
/// use ghetto_loop::sync::StreamExt;
/// use ghetto_loop::time::interval;
/// use std::time::Duration;
///
/// ghetto_loop::run(async {
///     let mut ticks = interval(Duration::from_millis(5));
///     let first = ticks.next().await.unwrap();
///     let second = ticks.next().await.unwrap();
///     assert_eq!(second - first, Duration::from_millis(5));
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

/// A stream of the items of `iter`, each ready at once.
///
/// ```
/// use ghetto_loop::sync::stream::{self, StreamExt};
///
/// ghetto_loop::run(async {
///     let mut s = stream::iter(["a", "b"]);
///     assert_eq!(s.next().await, Some("a"));
///     assert_eq!(s.next().await, Some("b"));
///     assert_eq!(s.next().await, None);
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn iter<I: IntoIterator>(iter: I) -> Iter<I::IntoIter> {
    Iter {
        iter: iter.into_iter(),
    }
}

/// The stream of [`iter`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Iter<I> {
    iter: I,
}

impl<I: Iterator + Unpin> Stream for Iter<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.iter.next())
    }
}

/// The longest line [`Lines`] accepts, in bytes, newline included. A
/// peer that sends more without a newline gets an error, not our memory.
pub const MAX_LINE: usize = 64 * 1024;

/// The lines of a [`TcpStream`], without their `\n` (or `\r\n`): a stream
/// written by hand.
///
/// Each item is a line, or the error that ended the stream: a read error,
/// a line that is not UTF-8 (`InvalidData`), or one longer than
/// [`MAX_LINE`] (`InvalidData`). After an error the stream ends. At
/// end-of-file, a last line without a newline is still yielded.
///
/// The state machine is three fields: bytes read but not yet a whole line
/// (`buffered`), whether the peer has closed (`eof`), and whether the
/// stream has ended (`done`). `poll_next` hands out a buffered line if
/// there is one, else reads more and tries again, and says `Pending` only
/// when the socket does (its waker is then the socket's to keep).
///
/// # Cancel safety
///
/// Cancel safe: bytes read and not yet returned stay in `buffered`, so a
/// dropped `next()` loses nothing. Dropping the `Lines` drops a partial
/// line it had read.
///
/// ```
/// use ghetto_loop::net::{TcpListener, TcpStream};
/// use ghetto_loop::sync::stream::{Lines, StreamExt};
/// use ghetto_loop::sys::Shutdown;
///
/// ghetto_loop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     client.write_all(b"hello\r\nworld\nno newline").await?;
///     client.shutdown(Shutdown::Write)?;
///     let mut lines = Lines::new(&server);
///     let mut got = Vec::new();
///     while let Some(line) = lines.next().await {
///         got.push(line?);
///     }
///     assert_eq!(got, ["hello", "world", "no newline"]);
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Lines<'a> {
    stream: &'a TcpStream,
    /// Read, not yet returned: never holds a whole line between polls.
    buffered: Vec<u8>,
    /// The peer has closed its side: no more reads.
    eof: bool,
    /// The stream has ended (end-of-file drained, or an error returned).
    done: bool,
}

impl<'a> Lines<'a> {
    /// The lines read from `stream`.
    pub fn new(stream: &'a TcpStream) -> Lines<'a> {
        Lines {
            stream,
            buffered: Vec::new(),
            eof: false,
            done: false,
        }
    }

    /// Takes the first `len` buffered bytes out as a line.
    fn take_line(&mut self, len: usize, newline: bool) -> io::Result<String> {
        let mut line: Vec<u8> = self.buffered.drain(..len).collect();
        if newline {
            line.pop(); // the '\n'
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        String::from_utf8(line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl Stream for Lines<'_> {
    type Item = io::Result<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if let Some(at) = this.buffered.iter().position(|&b| b == b'\n') {
                let line = this.take_line(at + 1, true);
                this.done = line.is_err();
                return Poll::Ready(Some(line));
            }
            if this.buffered.len() >= MAX_LINE {
                this.done = true;
                return Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a line longer than {MAX_LINE} bytes; MAX_LINE is the limit"),
                ))));
            }
            if this.eof {
                this.done = true;
                if this.buffered.is_empty() {
                    return Poll::Ready(None);
                }
                let len = this.buffered.len();
                return Poll::Ready(Some(this.take_line(len, false)));
            }
            // Read straight into the buffer's spare room, up to the limit.
            let start = this.buffered.len();
            let room = (MAX_LINE - start).min(4096);
            this.buffered.resize(start + room, 0);
            let read = this.stream.poll_read(cx, &mut this.buffered[start..]);
            let got = match &read {
                Poll::Ready(Ok(n)) => *n,
                _ => 0,
            };
            this.buffered.truncate(start + got);
            match ready!(read) {
                Ok(0) => this.eof = true,
                Ok(_) => {}
                Err(e) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }
}

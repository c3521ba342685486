//! Async iteration: `Lines` over a socket, and an async generator written
//! by hand (chapter 17).
//!
//! A [`Stream`] is an iterator whose `next` may say "not yet":
//! `poll_next` answers `Ready(Some(item))`, `Ready(None)` at the end, or
//! `Pending`. `while let Some(x) = s.next().await` is Python's `async for`.
//!
//! Python writes an async generator with `yield` inside an `async def`:
//!
//! ```python
//! async def countdown(n, gap):
//!     while n > 0:
//!         yield n
//!         await asyncio.sleep(gap)
//!         n -= 1
//! ```
//!
//! Stable Rust has no `async gen` yet (it is on nightly), so [`Countdown`]
//! is what the compiler would make of it, written by hand, as chapter 08
//! wrote `fib` by hand: one enum variant per place the function can be
//! paused, holding the locals alive there. Chapter 08's `resume` answered
//! `Yielded(v)` or `Complete`; `poll_next` has a third answer, `Pending`,
//! for a pause that is not a `yield` but an `.await`.
//!
//! What stable Rust offers instead of `async gen` is a task that sends
//! into a channel: [`countdown_task`], an ordinary `async` block whose
//! `yield` is `tx.send(n).await`, and whose stream is the channel's
//! receiver. It yields the same items. It costs a task and a channel,
//! and it is *eager*: the task runs ahead of its consumer by the room in
//! the channel, where the generator runs only when asked.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::sync::stream::Lines;
use ghetto_loop::sync::{Stream, StreamExt, mpsc};
use ghetto_loop::sys::Shutdown;
use ghetto_loop::task;
use ghetto_loop::time::{Sleep, sleep};

use crate::Diary;

/// The demo's countdown: from 3, 100 ms apart.
pub const FROM: u32 = 3;

/// The pause between two items of the demo's countdown.
pub const GAP: Duration = Duration::from_millis(100);

/// `countdown(n, gap)` as a state machine: the async generator of the
/// module's docs, by hand.
///
/// Each variant is a place the Python function can be paused at, with
/// the locals alive there. Lazy: nothing runs until the first poll, and
/// each sleep starts only when the next item is asked for, as Python's
/// would after its `yield`.
///
/// # Cancel safety
///
/// A dropped `next()` loses nothing: the sleep under way stays in the
/// `Sleeping` state, and the next `next()` goes on waiting for it.
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub enum Countdown {
    /// At the top of `while n > 0`.
    Top {
        /// The local `n`.
        n: u32,
        /// The argument `gap`.
        gap: Duration,
    },
    /// Paused at `yield n`: `n` was handed out.
    Yielded {
        /// The local `n`.
        n: u32,
        /// The argument `gap`.
        gap: Duration,
    },
    /// Paused at `await asyncio.sleep(gap)`.
    Sleeping {
        /// The local `n`.
        n: u32,
        /// The argument `gap`.
        gap: Duration,
        /// The sleep being awaited.
        sleep: Sleep,
    },
    /// Returned: the stream is over.
    Done,
}

/// Counts down from `n` to 1, pausing `gap` after each item.
pub fn countdown(n: u32, gap: Duration) -> Countdown {
    Countdown::Top { n, gap }
}

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        // `Countdown` is `Unpin` (a `Sleep` is), so it can be matched as a
        // plain `&mut`. Each arm runs the code from one pause to the next.
        let this = &mut *self;
        loop {
            match this {
                Countdown::Top { n: 0, .. } => {
                    *this = Countdown::Done; // the loop ends: return
                    return Poll::Ready(None);
                }
                Countdown::Top { n, gap } => {
                    let (n, gap) = (*n, *gap);
                    *this = Countdown::Yielded { n, gap };
                    return Poll::Ready(Some(n)); // yield n
                }
                Countdown::Yielded { n, gap } => {
                    // Resumed after the yield: start the sleep.
                    let (n, gap) = (*n, *gap);
                    *this = Countdown::Sleeping {
                        n,
                        gap,
                        sleep: sleep(gap),
                    };
                }
                Countdown::Sleeping { n, gap, sleep } => {
                    // Not done sleeping: `Pending`, and the sleep keeps
                    // our waker in the loop's timer heap.
                    ready!(Pin::new(sleep).poll(cx));
                    let (n, gap) = (*n - 1, *gap);
                    *this = Countdown::Top { n, gap };
                }
                Countdown::Done => return Poll::Ready(None),
            }
        }
    }
}

/// The same countdown as an `async` block in a task, sending each item
/// into a channel of one slot; the receiver is the stream. Must be called
/// on a running loop (it spawns).
pub fn countdown_task(n: u32, gap: Duration) -> mpsc::Receiver<u32> {
    let (tx, rx) = mpsc::channel(1);
    task::spawn(async move {
        let mut n = n;
        while n > 0 {
            if tx.send(n).await.is_err() {
                return; // nobody listens any more
            }
            sleep(gap).await;
            n -= 1;
        }
    });
    rx
}

/// Consumes `stream`, logging each item with its loop time; returns
/// `(ms, item)` pairs.
pub async fn collect_timed<S>(diary: &Diary, who: &str, mut stream: S) -> Vec<(u128, u32)>
where
    S: Stream<Item = u32> + Unpin,
{
    let mut seen = Vec::new();
    while let Some(item) = stream.next().await {
        diary.log(who, format!("next() -> Some({item})"));
        seen.push((diary.now().as_millis(), item));
    }
    diary.log(who, "next() -> None: the end");
    seen
}

/// A peer writes three lines in two pieces, the second line cut in half
/// between them; [`Lines`] yields each line once it is whole.
pub async fn lines_over_tcp(diary: &Diary, pause: Duration) -> io::Result<Vec<String>> {
    let listener = TcpListener::bind("127.0.0.1:0".parse().expect("a valid address")).await?;
    let client = TcpStream::connect(listener.local_addr()?).await?;
    let (server, _) = listener.accept().await?;
    let writer = {
        let diary = diary.clone();
        task::spawn(async move {
            client.write_all(b"GET /a\nGET /").await?;
            diary.log("peer", "wrote \"GET /a\\nGET /\"");
            sleep(pause).await;
            client.write_all(b"b\r\nGET /c").await?;
            client.shutdown(Shutdown::Write)?;
            diary.log("peer", "wrote \"b\\r\\nGET /c\", then closed its side");
            Ok::<(), io::Error>(())
        })
    };
    let mut lines = Lines::new(&server);
    let mut got = Vec::new();
    while let Some(line) = lines.next().await {
        let line = line?;
        diary.log("lines", format!("next() -> {line:?}"));
        got.push(line);
    }
    diary.log("lines", "next() -> None: end of file");
    writer.await.map_err(io::Error::other)??;
    Ok(got)
}

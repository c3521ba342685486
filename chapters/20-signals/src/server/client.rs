//! One connection of the line server: its requests, its outbox, and the
//! careful close (chapter 20).
//!
//! A connection is two futures joined in one task. `requests` reads lines
//! and works on each; when a request is done it puts `ok <n>` in the
//! outbox. `replies` writes the outbox out, in order. The outbox is what
//! lets step 2 of the shutdown say goodbye *at once* to a client whose
//! request is still being worked on: the server puts `bye` in the outbox,
//! `replies` writes it, and the answer to the request follows when it is
//! done. (HTTP/2's GOAWAY works the same way: "I take nothing new; what I
//! already took, I finish".)
//!
//! The outbox grows without bound: a client that sends requests and never
//! reads the answers makes the server keep them all. A real server stops
//! reading a client's requests while its outbox is over a limit; we omit
//! that to keep the shutdown in view.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::net::TcpStream;
use ghetto_loop::scope::BoxError;
use ghetto_loop::sync::Event;
use ghetto_loop::sys::Shutdown;
use ghetto_loop::time::{Either, join, select, sleep, timeout};

use super::{Counts, GOODBYE, Shared};

/// A line longer than this is refused (the connection is closed): without a
/// limit, a client that never sends a newline would grow the buffer forever.
const MAX_LINE: usize = 64 * 1024;

/// One connected client, as the server's shutdown sees it.
pub(super) struct Client {
    /// Its number, in the order the server accepted connections.
    id: u64,
    /// Replies not yet written, oldest first.
    outbox: RefCell<VecDeque<Reply>>,
    /// Set whenever the outbox gains a reply, or closes.
    ready: Event,
    /// No more replies will be added: `requests` has ended.
    closed: Cell<bool>,
}

/// A line the server owes a client.
#[derive(Debug, Clone, Copy)]
enum Reply {
    /// The answer to request `n`.
    Ok(u64),
    /// [`GOODBYE`].
    Bye,
}

impl Client {
    pub(super) fn new(id: u64) -> Client {
        Client {
            id,
            outbox: RefCell::new(VecDeque::new()),
            ready: Event::new(),
            closed: Cell::new(false),
        }
    }

    /// Step 2 of the shutdown for this client: goodbye, behind whatever
    /// replies are waiting already. A client whose requests have ended
    /// (it closed its side) is not told.
    pub(super) fn goodbye(&self) {
        self.push(Reply::Bye);
    }

    fn push(&self, reply: Reply) {
        if !self.closed.get() {
            self.outbox.borrow_mut().push_back(reply);
            self.ready.set();
        }
    }

    fn close(&self) {
        self.closed.set(true);
        self.ready.set();
    }
}

/// Serves one connection to its end, and tells the log how it ended. It
/// never fails the group: one client's reset must not cancel the others.
pub(super) async fn serve(
    stream: TcpStream,
    client: Rc<Client>,
    shared: Rc<Shared>,
) -> Result<(), BoxError> {
    let id = client.id;
    let (asked, answered) = join(
        async {
            let asked = requests(&stream, &client, &shared).await;
            client.close();
            asked
        },
        replies(&stream, &client, &shared),
    )
    .await;
    shared.clients.borrow_mut().retain(|c| c.id != id);
    let ended = match (asked, answered) {
        (Ok(()), Ok(())) => "every reply written; closed".to_owned(),
        (Err(e), _) | (_, Err(e)) => format!("failed: {e}"),
    };
    shared.log(format!("#{id} {ended}"));
    Ok(())
}

/// Reads lines and answers each, until the client closes its side or the
/// server stops reading (step 2).
async fn requests(stream: &TcpStream, client: &Client, shared: &Shared) -> io::Result<()> {
    let (id, mut n) = (client.id, 0);
    // Bytes read but not yet a whole line.
    let mut inbox = Vec::new();
    let mut buf = vec![0; 4096];
    loop {
        // Every whole line already read is a request, and is answered,
        // even after the signal: the client sent it before it was told.
        while let Some(line) = take_line(&mut inbox) {
            n += 1;
            Counts::bump(&shared.counts.requests);
            shared.log(format!("#{id} request {n} {line:?}: working on it"));
            sleep(shared.opts.work_for(&line)).await;
            client.push(Reply::Ok(n));
            Counts::bump(&shared.counts.acked);
            shared.log(format!("#{id} request {n} done: \"ok {n}\" acknowledged"));
        }
        if inbox.len() > MAX_LINE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line of more than {MAX_LINE} bytes"),
            ));
        }
        // `stopping` is polled first: once it is set, not one more byte is
        // read. Dropping the losing `read` is safe: it took no bytes.
        match select(shared.stopping.wait(), stream.read(&mut buf)).await {
            Either::Left(()) => {
                if !inbox.is_empty() {
                    Counts::bump(&shared.counts.half_lines);
                    shared.log(format!(
                        "#{id} {:?} was half a line: not a request; dropped",
                        String::from_utf8_lossy(&inbox)
                    ));
                }
                return Ok(());
            }
            Either::Right(Ok(0)) => return Ok(()),
            Either::Right(Ok(k)) => inbox.extend_from_slice(&buf[..k]),
            Either::Right(Err(e)) => return Err(e),
        }
    }
}

/// Writes the outbox out, in order, until it is closed and empty; then
/// closes the connection carefully.
async fn replies(stream: &TcpStream, client: &Client, shared: &Shared) -> io::Result<()> {
    loop {
        let next = client.outbox.borrow_mut().pop_front();
        match next {
            Some(reply) => {
                let line = match reply {
                    Reply::Ok(n) => format!("ok {n}\n"),
                    Reply::Bye => format!("{GOODBYE}\n"),
                };
                stream.write_all(line.as_bytes()).await?;
                if let Reply::Ok(_) = reply {
                    Counts::bump(&shared.counts.delivered);
                }
            }
            None if client.closed.get() => break,
            None => {
                // One thread: nothing can push between `clear` and `wait`.
                client.ready.clear();
                client.ready.wait().await;
            }
        }
    }
    close_carefully(stream, shared.opts.linger).await
}

/// The "lingering close". Linux answers a `close` with unread bytes in the
/// socket by a reset (RST) instead of a FIN, and a reset can overtake the
/// replies still on their way: the client sees "connection reset" where it
/// should have read its last answers. A client in the middle of a line
/// when it is told goodbye may well send the rest. So: send a FIN
/// (`shutdown(Write)`: "no more from me"), then read and throw away what
/// the client still sends until it closes its side, for at most `linger`.
async fn close_carefully(stream: &TcpStream, linger: Duration) -> io::Result<()> {
    stream.shutdown(Shutdown::Write)?;
    let mut sink = [0; 1024];
    let drained = timeout(linger, async {
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), io::Error>(())
    })
    .await;
    // A client that does not close in time, or resets, changes nothing:
    // every reply was written before the FIN.
    let _ = drained;
    Ok(())
}

/// Takes the first whole line out of `inbox`, without its `\n` (and a
/// `\r` before it, for telnet).
fn take_line(inbox: &mut Vec<u8>) -> Option<String> {
    let end = inbox.iter().position(|&b| b == b'\n')?;
    let mut line: Vec<u8> = inbox.drain(..=end).collect();
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Some(String::from_utf8_lossy(&line).into_owned())
}

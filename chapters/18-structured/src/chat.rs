//! `serve`: a chat server in which every client is a task group of two
//! (chapter 18).
//!
//! Each line a client sends goes to every other client. A connection is
//! two children in a group of its own:
//!
//! ```text
//!  server group ── accept loop (the body)
//!       ├── guest-1 ── group ── reader: socket lines ──> hub ──> others' outboxes
//!       │                   └── writer: own outbox ──> socket
//!       └── guest-2 ── group ── reader, writer
//! ```
//!
//! * If the reader fails (a reset, bytes that are not UTF-8), the group
//!   cancels the writer, and the other way round: a writer that cannot
//!   deliver for [`WRITE_PATIENCE`] fails, and the reader is cancelled. No
//!   half of a connection is left running without the other.
//! * A client that leaves ends its reader, which leaves the hub on its way
//!   out ([`Membership`]): the hub drops the client's outbox, and the
//!   writer, seeing it closed, sends what is queued and ends too. A reader
//!   that *fails* does not leave, so the writer cannot end by itself: the
//!   group cancels it.
//! * A connection's child never returns an error to the server's group:
//!   one client's failure is logged and ends there. Otherwise the first
//!   bad client would cancel every other one.
//! * Dropping the server's future (Ctrl-C, a test that is done) cancels
//!   every connection, and through them every reader and writer.
//!
//! A slow client does not slow the others: the hub hands a line to each
//! outbox with `try_send`, and a full outbox loses the line (a real chat
//! server might disconnect such a client instead).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ch16_timers::diary::Diary;
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::scope::{BoxError, GroupError, TaskGroup, group};
use ghetto_loop::sync::StreamExt;
use ghetto_loop::sync::mpsc;
use ghetto_loop::sync::stream::Lines;
use ghetto_loop::time::{sleep, timeout};

use crate::noisy::Noisy;

/// How many lines wait in a client's outbox before more are lost.
pub const OUTBOX: usize = 64;

/// How long a writer may take to deliver one line before it fails.
pub const WRITE_PATIENCE: Duration = Duration::from_secs(5);

/// How long the accept loop pauses after `accept` failed (out of fds,
/// most likely), so that a listener that stays readable does not spin.
pub const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Binds `addr`, announces it, and serves until killed, logging on the
/// real clock.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    ghetto_loop::sys::raise_fd_limit()?;
    let lp = EventLoop::new()?;
    let listener = TcpListener::bind_on(&lp, addr)?;
    course::cli::announce_listening(listener.local_addr()?);
    eprintln!(
        "chat server on the {} selector; every line goes to every other client",
        lp.selector_name()
    );
    let diary = Diary::new(&course::Timeline::new(), &lp.handle());
    lp.block_on(serve_on(listener, diary))??;
    Ok(())
}

/// Serves chat clients on `listener` until this future is dropped: a group
/// whose body accepts, and whose children are the connections.
pub async fn serve_on(listener: TcpListener, diary: Diary) -> Result<(), GroupError> {
    group(|g| accept_loop(g, listener, diary)).await
}

/// Accepts forever, spawning each connection into `g`.
async fn accept_loop(g: TaskGroup, listener: TcpListener, diary: Diary) -> Result<(), BoxError> {
    let hub = Hub::default();
    let mut count = 0;
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                count += 1;
                let name = format!("guest-{count}");
                g.spawn(
                    name.clone(),
                    connection(stream, name, hub.clone(), diary.clone()),
                );
            }
            Err(e) => {
                diary.log("server", format!("accept failed: {e}; retrying soon"));
                sleep(ACCEPT_RETRY).await;
            }
        }
    }
}

/// One client: a group of a reader and a writer. Logs how it ended, and
/// keeps that to itself.
async fn connection(
    stream: TcpStream,
    name: String,
    hub: Hub,
    diary: Diary,
) -> Result<(), BoxError> {
    let stream = Rc::new(stream);
    let (outbox, inbox) = mpsc::channel(OUTBOX);
    // Queued first, so it is the first line the client reads.
    let _ = outbox.try_send(format!("welcome, you are {name}"));
    // Held here, outside the group, for as long as the connection lasts:
    // the outbox stays open, so a writer whose reader failed does not end
    // by itself; the group has to cancel it.
    let membership = Rc::new(hub.join(&name, outbox));
    diary.log(
        &name,
        "connected: a group of two children, reader and writer",
    );
    let (d, me) = (diary.clone(), membership.clone());
    let ended = group(|g| async move {
        g.spawn("reader", reader(stream.clone(), me, d.clone()));
        g.spawn("writer", writer(stream, inbox, d, name));
        Ok(())
    })
    .await;
    match ended {
        Ok(()) => diary.log(&membership.name, "left; both children ended"),
        Err(e) => diary.log(&membership.name, format!("connection closed: {e}")),
    }
    Ok(())
}

/// Reads lines and hands each to the hub. At the end of the client's
/// input it leaves the hub, which closes the outbox, so the writer sends
/// what is queued and ends too. On an error it just fails: the group
/// cancels the writer.
async fn reader(stream: Rc<TcpStream>, me: Rc<Membership>, diary: Diary) -> Result<(), BoxError> {
    let guard = Noisy::part_of(&diary, &me.name, "reader");
    let mut lines = Lines::new(&stream);
    let ended = async {
        while let Some(line) = lines.next().await {
            me.say(&line?);
        }
        Ok::<(), io::Error>(())
    }
    .await;
    // Returned, `Ok` or `Err`: the guard is only for a drop halfway.
    guard.finish();
    if ended.is_ok() {
        me.leave();
    }
    Ok(ended?)
}

/// Writes every line of the client's outbox to its socket, until the
/// outbox is closed (the client left the hub).
async fn writer(
    stream: Rc<TcpStream>,
    mut inbox: mpsc::Receiver<String>,
    diary: Diary,
    name: String,
) -> Result<(), BoxError> {
    let guard = Noisy::part_of(&diary, &name, "writer");
    let ended = async {
        while let Some(line) = inbox.recv().await {
            let bytes = format!("{line}\n");
            // Not cancel safe (part of the line may be sent), which is
            // fine: after a timeout the connection is closed.
            timeout(WRITE_PATIENCE, stream.write_all(bytes.as_bytes()))
                .await
                .map_err(|_| {
                    io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading")
                })??;
        }
        Ok::<(), io::Error>(())
    }
    .await;
    guard.finish();
    Ok(ended?)
}

/// Who is connected, and each one's outbox. Clones share the members.
#[derive(Debug, Clone, Default)]
pub struct Hub {
    /// Each client's outbox, by id.
    members: Rc<RefCell<BTreeMap<u64, mpsc::Sender<String>>>>,
    next_id: Rc<Cell<u64>>,
}

/// A client's place in the hub. Leaving (or dropping it, on every other
/// way out) makes the hub drop the outbox's only sender, so the client's
/// writer sees the end, and tells the others.
#[derive(Debug)]
pub struct Membership {
    hub: Hub,
    id: u64,
    name: String,
}

impl Hub {
    /// Adds `name`, whose lines go to `outbox`.
    fn join(&self, name: &str, outbox: mpsc::Sender<String>) -> Membership {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        self.members.borrow_mut().insert(id, outbox);
        Membership {
            hub: self.clone(),
            id,
            name: name.to_owned(),
        }
    }

    /// Queues `line` for every member but `from`. A full outbox loses it.
    fn send_to_others(&self, from: u64, line: &str) {
        for (id, outbox) in self.members.borrow().iter() {
            if *id != from {
                let _ = outbox.try_send(line.to_owned());
            }
        }
    }

    /// How many clients are connected.
    pub fn len(&self) -> usize {
        self.members.borrow().len()
    }

    /// Whether nobody is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Membership {
    /// Sends `line` to everybody else, signed.
    fn say(&self, line: &str) {
        self.hub
            .send_to_others(self.id, &format!("{}: {line}", self.name));
    }

    /// Leaves the hub, once: drops the outbox's sender (the writer will
    /// see the end) and tells the others.
    fn leave(&self) {
        let outbox = self.hub.members.borrow_mut().remove(&self.id);
        if outbox.is_some() {
            drop(outbox);
            self.hub
                .send_to_others(self.id, &format!("{} left", self.name));
        }
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.leave();
    }
}

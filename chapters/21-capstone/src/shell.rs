//! The app's async code, written once against a runtime's names
//! (chapter 21).
//!
//! This module is compiled three times: `on_ghetto.rs`, `on_tokio.rs` and
//! `on_tokio_mt.rs` each bring the names it uses (`spawn`, `yield_now`,
//! `sleep`, `timeout`, `mpsc`, `TcpListener`, `TcpStream`, `JoinHandle`), how tasks
//! share state (`Shared`, `Guarded`) and five small adapters (`block_on`,
//! `bind`, `nodelay`, `shutdown_write`, `listen_for`), then load it as
//! their child module. Nothing below names a runtime: the difference
//! between two apps is exactly the difference between their adapter files
//! (`diff` prints it).
//!
//! The tasks share one `Shared<Guarded<State>>`, used only inside
//! `state.with(|s| ..)`, whose closure cannot `.await`. On ghetto-loop and
//! on tokio's current-thread runtime that is an `Rc<RefCell<..>>` and
//! nothing has to be `Send` (tokio runs the tasks on a `LocalSet`); on
//! tokio's multi-thread runtime it is an `Arc<Mutex<..>>`, every task is
//! `Send`, and the compiler checks it where `tokio::spawn` is called.
//!
//! Code written for many threads is written in critical sections: what
//! must happen together happens in one `with`. A room's event and the
//! deliveries it causes are one section, so every outbox receives messages
//! in the order the room saw them; a task that files itself in a table is
//! started inside the section that files it, so it cannot end, and unfile
//! itself, before it is filed. On one thread the sections cost nothing
//! more than the borrows they replace.
//!
//! * chat: per member, a reader task (lines in, through chapter 12's
//!   `LineSplitter` and the room's rules) and a writer task (its bounded
//!   outbox out). A full outbox means the member is not reading: the room
//!   skips it and counts, and a grace task disconnects it if it is still
//!   behind when the grace period ends.
//! * HTTP: a task per connection, one read buffer and one output buffer for
//!   its whole life, every pipelined answer of a read written in one go.
//! * shutdown: the main task waits on the [`Stop`] switch (a signal
//!   watcher throws it too); the accept loops are aborted, members are told
//!   goodbye, idle HTTP connections closed, busy ones finish their answer;
//!   then the app waits, at most the grace period, for every writer to end.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ch12_protocols::lines::LineSplitter;
use ghetto_loop::sys::{SIGINT, SIGTERM, SelectorKind};

use super::{
    Guarded, JoinHandle, Shared, TcpListener, TcpStream, bind, block_on, listen_for, mpsc, nodelay,
    shutdown_write, sleep, spawn, timeout, yield_now,
};
use crate::app::chat::{After, Deliveries, GOODBYE, Leave, MemberId, Room};
use crate::app::fetch::{FetchPlan, FetchReport, ResponseReader};
use crate::app::request::{HttpError, RequestReader};
use crate::app::routes::{Figures, respond, respond_error};
use crate::app::status::HttpStats;
use crate::config::{Addrs, Config, ShutdownReport};
use crate::stop::Stop;

/// How long an accept loop waits after `accept` failed before it tries
/// again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// How long a closing HTTP connection reads on (and throws away) after its
/// last answer, so that the client's unread bytes do not turn the close
/// into a reset that destroys the answer before the client reads it.
const LINGER: Duration = Duration::from_secs(1);

/// The app's state, as every task holds it.
type App = Shared<Guarded<State>>;

/// What every task of the app shares.
struct State {
    config: Config,
    stop: Stop,
    room: Room,
    http_stats: HttpStats,
    /// Chat members' outboxes and tasks, by member id.
    members: BTreeMap<MemberId, Member>,
    /// HTTP connections' tasks, by a connection number.
    http: BTreeMap<u64, HttpConn>,
    next_conn: u64,
}

struct Member {
    outbox: mpsc::Sender<Arc<str>>,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

struct HttpConn {
    task: JoinHandle<()>,
    /// A request has started arriving and is not answered yet.
    busy: bool,
}

/// Runs the app until `stop` is thrown (or, with `config.signals`, until
/// SIGINT or SIGTERM), then shuts down gracefully. `ready` is told where it
/// listens once both listeners are bound.
pub fn serve(config: Config, stop: Stop, ready: impl FnOnce(Addrs)) -> io::Result<ShutdownReport> {
    block_on(config.selector, async move {
        let chat = match config.chat {
            Some(addr) => Some(bind(addr, false).await?),
            None => None,
        };
        let http = bind(config.http, config.reuse_port).await?;
        if config.signals {
            for signal in [SIGINT, SIGTERM] {
                let (received, stop) = (listen_for(signal)?, stop.clone());
                spawn(async move {
                    if received.await.is_ok() {
                        stop.trigger();
                    }
                });
            }
        }
        let addrs = Addrs {
            chat: chat.as_ref().map(TcpListener::local_addr).transpose()?,
            http: http.local_addr()?,
        };
        let state: App = Shared::new(Guarded::new(State {
            room: Room::new(config.room),
            http_stats: HttpStats::default(),
            members: BTreeMap::new(),
            http: BTreeMap::new(),
            next_conn: 0,
            stop: stop.clone(),
            config,
        }));
        // Every writer and HTTP task holds a clone of `alive`: when the
        // receiver hears that all are gone, everything was sent.
        let (alive, mut all_ended) = mpsc::channel::<()>(1);
        let chat = chat.map(|l| spawn(accept_chat(state.clone(), l, alive.clone())));
        let http = spawn(accept_http(state.clone(), http, alive.clone()));
        ready(addrs);
        // No polling: whoever throws the switch, on whatever thread, wakes
        // this task through its waker.
        stop.wait().await;
        // Stop accepting: the listeners close with their tasks. An abort
        // takes effect at the task's next `.await`, and on a multi-thread
        // runtime the task may be running right now: wait until it has
        // stopped, or it could file a connection after the goodbyes.
        for accepting in chat.into_iter().chain([http]) {
            accepting.abort();
            let _ = accepting.await;
        }
        let mut report = state.with(say_goodbye);
        drop(alive);
        let grace = state.with(|s| s.config.grace);
        report.clean = timeout(grace, all_ended.recv()).await.is_ok();
        Ok(report)
    })?
}

/// Tells every member goodbye, closes idle HTTP connections, and lets busy
/// ones finish (their answer says `Connection: close`).
fn say_goodbye(s: &mut State) -> ShutdownReport {
    let mut report = ShutdownReport::default();
    for id in s.room.ids() {
        s.room.leave(id, &Leave::Shutdown);
        if let Some(member) = s.members.remove(&id) {
            // Its writer sends what is queued, the goodbye last, then ends.
            if member.outbox.try_send(Arc::from(GOODBYE)).is_ok() {
                report.told_goodbye += 1;
            }
            member.reader.abort();
        }
    }
    for (_, conn) in std::mem::take(&mut s.http) {
        if conn.busy {
            report.http_finished += 1;
        } else {
            conn.task.abort();
            report.http_idle_closed += 1;
        }
    }
    report
}

// ---- chat ----

async fn accept_chat(state: App, listener: TcpListener, alive: mpsc::Sender<()>) {
    loop {
        let stream = Shared::new(accept(&listener).await);
        // One section: the member joins, its tasks start and it is filed
        // before its reader can read (or leave), and its welcome is queued
        // before anything the room says to it next.
        state.with(|s| {
            let (outbox, queued) = mpsc::channel(s.room.config().outbox);
            let (id, welcome) = s.room.join();
            let reader = spawn(chat_reader(state.clone(), id, stream.clone()));
            let writer = spawn(chat_writer(
                state.clone(),
                id,
                stream,
                queued,
                alive.clone(),
            ));
            let member = Member {
                outbox,
                reader,
                writer,
            };
            s.members.insert(id, member);
            deliver(&state, s, welcome);
        });
    }
}

/// Reads a member's lines and applies the room's rules, until it leaves.
async fn chat_reader(state: App, id: MemberId, stream: Shared<TcpStream>) {
    let mut lines = LineSplitter::new(state.with(|s| s.room.config().max_line));
    let mut buf = [0; 4096];
    let mut pieces = Vec::new();
    let why = loop {
        let n = match read(&stream, &mut buf).await {
            Ok(0) => break Leave::Closed,
            Ok(n) => n,
            Err(e) => break Leave::Lost(e.to_string()),
        };
        lines.feed(&buf[..n], |piece| pieces.push(piece));
        // Every line of one read in one section.
        let after = state.with(|s| {
            for piece in pieces.drain(..) {
                let (out, after) = s.room.piece(id, piece);
                deliver(&state, s, out);
                if after == After::Quit {
                    return After::Quit;
                }
            }
            After::Stay
        });
        if after == After::Quit {
            break Leave::Quit;
        }
        // Let the writers this read woke send before reading on. Reads
        // that find data ready never wait, so a member who floods the room
        // would keep this task running while the outboxes it fills wait
        // (on tokio's multi-thread runtime, in this worker's LIFO slot,
        // where no other worker may steal them), and members who do read
        // would be counted as behind. A cooperative budget of one read;
        // tokio's own is 128 operations on its resources.
        yield_now().await;
    };
    state.with(|s| leave(&state, s, id, &why));
}

/// Writes a member's outbox to it, until the outbox is dropped.
async fn chat_writer(
    state: App,
    id: MemberId,
    stream: Shared<TcpStream>,
    mut queued: mpsc::Receiver<Arc<str>>,
    _alive: mpsc::Sender<()>,
) {
    while let Some(text) = queued.recv().await {
        if write_all(&stream, text.as_bytes()).await.is_err() {
            return;
        }
        let note = state.with(|s| s.room.caught_up(id));
        if let Some(note) = note
            && write_all(&stream, note.as_bytes()).await.is_err()
        {
            return;
        }
    }
}

/// Queues each message in its member's outbox. A full outbox is a member
/// that does not read: the message is skipped and counted, and the first
/// skip starts its grace period. `s` is borrowed from `state`, which the
/// grace tasks are given.
fn deliver(state: &App, s: &mut State, deliveries: Deliveries) {
    for (to, text) in deliveries {
        let Some(member) = s.members.get(&to) else {
            continue;
        };
        if member.outbox.try_send(text).is_err() && s.room.missed(to) {
            spawn(disconnect_if_still_behind(state.clone(), to));
        }
    }
}

async fn disconnect_if_still_behind(state: App, id: MemberId) {
    let grace = state.with(|s| s.room.config().grace);
    sleep(grace).await;
    // Looked at and acted on in one section: a member that catches up
    // meanwhile, on another thread, stays.
    let gone = state.with(|s| {
        s.room
            .is_behind(id)
            .then(|| leave(&state, s, id, &Leave::NotReading))
            .flatten()
    });
    // One that stopped reading is cut off, its queue unsent.
    if let Some(member) = gone {
        member.reader.abort();
        member.writer.abort();
    }
}

/// Takes member `id` out of the room and tells the others. Its writer
/// sends what is queued and ends (unless the caller aborts it); nothing if
/// it had already left.
fn leave(state: &App, s: &mut State, id: MemberId, why: &Leave) -> Option<Member> {
    let member = s.members.remove(&id);
    let notices = s.room.leave(id, why);
    deliver(state, s, notices);
    member
}

// ---- HTTP ----

async fn accept_http(state: App, listener: TcpListener, alive: mpsc::Sender<()>) {
    loop {
        let stream = accept(&listener).await;
        // Started in the section that files it: its first step takes the
        // state, so it cannot end, and unfile itself, before it is filed.
        state.with(|s| {
            s.next_conn += 1;
            let number = s.next_conn;
            let task = spawn(http_connection(
                state.clone(),
                number,
                stream,
                alive.clone(),
            ));
            s.http.insert(number, HttpConn { task, busy: false });
        });
    }
}

/// Serves one connection: reads, answers every complete request in what
/// was read, writes the answers in one go; until the client or an answer
/// closes it, or a timeout does.
async fn http_connection(state: App, number: u64, mut stream: TcpStream, _alive: mpsc::Sender<()>) {
    let (max_head, header_timeout, idle_timeout) = state.with(|s| {
        let c = &s.config;
        (c.max_head, c.header_timeout, c.idle_timeout)
    });
    let mut requests = RequestReader::new(max_head);
    let mut out = Vec::with_capacity(1024);
    // When the first byte of the unanswered request arrived.
    let mut started: Option<Instant> = None;
    let mut close = false;
    while !close {
        let limit = match started {
            None => idle_timeout,
            Some(at) => header_timeout.saturating_sub(at.elapsed()),
        };
        match timeout(limit, read(&stream, requests.spare())).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => requests.filled(n),
            Err(_) if started.is_none() => break,
            Err(_) => {
                let outcome = respond_error(&HttpError::header_timeout(), &mut out);
                state.with(|s| s.http_stats.record(outcome.status));
                close = true;
            }
        }
        if !close {
            // Every request of one read answered in one section.
            state.with(|s| {
                let closing = s.stop.is_triggered();
                let mut answered = false;
                loop {
                    let outcome = match requests.next_request() {
                        Ok(None) => break,
                        Ok(Some(request)) => {
                            let figures = Figures {
                                members: s.room.members(),
                                chat: s.room.stats(),
                                http: &s.http_stats,
                            };
                            respond(&request, figures, closing, &mut out)
                        }
                        Err(error) => respond_error(&error, &mut out),
                    };
                    s.http_stats.record(outcome.status);
                    answered = true;
                    if !outcome.keep_alive {
                        close = true;
                        break;
                    }
                }
                started = match (requests.is_idle(), answered) {
                    (true, _) => None,
                    (false, true) => Some(Instant::now()),
                    (false, false) => started.or(Some(Instant::now())),
                };
                if let Some(conn) = s.http.get_mut(&number) {
                    conn.busy = !requests.is_idle() || !out.is_empty();
                }
            });
        }
        if !out.is_empty() {
            if write_all(&stream, &out).await.is_err() {
                break;
            }
            out.clear();
            if close {
                linger(&mut stream, requests.spare()).await;
            }
        }
        state.with(|s| {
            if let Some(conn) = s.http.get_mut(&number) {
                conn.busy = !requests.is_idle();
            }
        });
    }
    state.with(|s| s.http.remove(&number));
}

/// Closes our side, then reads and drops what the client still sends, for
/// at most [`LINGER`].
async fn linger(stream: &mut TcpStream, scratch: &mut [u8]) {
    if shutdown_write(stream).await.is_err() {
        return;
    }
    let _ = timeout(LINGER, async {
        while let Ok(1..) = read(stream, scratch).await {}
    })
    .await;
}

// ---- the fetcher ----

/// Sends `plan.requests` requests to `addr`, `plan.in_flight` at a time, each
/// bounded by `plan.timeout`: one worker task and one keep-alive connection
/// per slot.
pub fn fetch(selector: SelectorKind, addr: SocketAddr, plan: FetchPlan) -> io::Result<FetchReport> {
    block_on(selector, async move {
        let plan = Shared::new(plan);
        let report = Shared::new(Guarded::new(FetchReport::default()));
        let left = Shared::new(Guarded::new(plan.requests));
        let request: Shared<[u8]> = plan.request_bytes(addr).into();
        let began = Instant::now();
        let workers: Vec<_> = (0..plan.in_flight.clamp(1, plan.requests.max(1)))
            .map(|_| {
                let worker = fetch_worker(
                    addr,
                    plan.clone(),
                    left.clone(),
                    request.clone(),
                    report.clone(),
                );
                spawn(worker)
            })
            .collect();
        for worker in workers {
            worker.await.map_err(io::Error::other)?;
        }
        let mut report = report.with(std::mem::take);
        report.finish(began.elapsed());
        Ok(report)
    })?
}

/// Takes requests off the shared count until none is left.
async fn fetch_worker(
    addr: SocketAddr,
    plan: Shared<FetchPlan>,
    left: Shared<Guarded<usize>>,
    request: Shared<[u8]>,
    report: Shared<Guarded<FetchReport>>,
) {
    let mut conn: Option<TcpStream> = None;
    let mut responses = ResponseReader::default();
    while left.with(take_one) {
        let began = Instant::now();
        let result = match timeout(
            plan.timeout,
            fetch_one(addr, &mut conn, &request, &mut responses, &report),
        )
        .await
        {
            Ok(Ok(status)) if (200..300).contains(&status) => Ok(began.elapsed()),
            Ok(Ok(status)) => Err(format!("status {status}")),
            Ok(Err(reason)) => Err(reason),
            Err(_) => Err("timed out".to_owned()),
        };
        if result.is_err() {
            // A late answer may still come on it: start afresh.
            conn = None;
            responses.clear();
        }
        report.with(|r| r.record(result));
    }
}

/// Takes a request off the count of those left; false if none was left.
fn take_one(left: &mut usize) -> bool {
    let Some(rest) = left.checked_sub(1) else {
        return false;
    };
    *left = rest;
    true
}

/// One request on the worker's connection (connecting first if it has
/// none); its status.
async fn fetch_one(
    addr: SocketAddr,
    conn: &mut Option<TcpStream>,
    request: &[u8],
    responses: &mut ResponseReader,
    report: &Guarded<FetchReport>,
) -> Result<u16, String> {
    let stream = match conn.take() {
        Some(stream) => stream,
        None => {
            let stream = TcpStream::connect(addr)
                .await
                .map_err(|e| format!("connect: {}", e.kind()))?;
            nodelay(&stream);
            report.with(|r| r.connections += 1);
            stream
        }
    };
    let stream = &*conn.insert(stream);
    write_all(stream, request)
        .await
        .map_err(|e| format!("write: {}", e.kind()))?;
    let head = loop {
        if let Some(head) = responses.next_response()? {
            break head;
        }
        match read(stream, responses.spare()).await {
            Ok(0) => return Err("closed before the answer".into()),
            Ok(n) => responses.filled(n),
            Err(e) => return Err(format!("read: {}", e.kind())),
        }
    };
    if head.close {
        *conn = None;
    }
    Ok(head.status)
}

// ---- accepting, reading and writing, the same on every runtime ----

/// The next connection. A failed `accept` (out of fds, say) is reported
/// and tried again a little later; the connection waits in the kernel's
/// queue meanwhile.
async fn accept(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                nodelay(&stream);
                return stream;
            }
            Err(e) => {
                eprintln!("accept failed ({e}); trying again");
                sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Reads what is there, waiting for the socket only when there is nothing.
async fn read(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match stream.try_read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => stream.readable().await?,
            other => return other,
        }
    }
}

/// Writes all of `buf`, waiting for room as often as needed.
async fn write_all(stream: &TcpStream, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match stream.try_write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => stream.writable().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

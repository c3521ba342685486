//! `serve`: every line a client sends is answered by a future (chapter 13).
//!
//! ```text
//! hello        -> HELLO      (0.100 s later)
//! a            -> A          three lines sent at once are answered
//! b            -> B          together 0.100 s later, not 0.300 s:
//! c            -> C          each is its own future, filled by its own timer
//! ```
//!
//! The answer stands for a slow back end (a database, another service): a
//! timer fills a [`CallbackFuture`] after [`ANSWER_DELAY`], and a done
//! callback writes it to the client. Nothing waits: the protocol asks and
//! returns at once, and each answer goes out when its future is done.
//! Chapter 12's transport does the writing.
//!
//! A client that leaves with questions in flight gets its futures
//! cancelled (and their timers with them): their done callbacks see
//! `Cancelled` and write nothing. That is asyncio's rule for a future whose
//! answer nobody wants any more.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::{EventLoop, LoopHandle, TimerHandle};
use ghetto_loop::future::{CallbackFuture, FutureError};
use ghetto_loop::protocol::{Protocol, Server, Transport, create_server};

/// How long the "back end" takes to answer a line.
pub const ANSWER_DELAY: Duration = Duration::from_millis(100);

/// The longest line a client may send; a longer one ends the session, so a
/// peer cannot make the server buffer without limit.
pub const MAX_LINE: usize = 1024;

/// Binds `addr`, prints `listening on ADDR`, and serves until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    ghetto_loop::sys::raise_fd_limit()?;
    let lp = EventLoop::new()?;
    let server = start(&lp, addr)?;
    course::cli::announce_listening(server.local_addr());
    lp.run_forever()?;
    Ok(())
}

/// Starts the server on `lp` (it serves while the loop runs).
pub fn start(lp: &LoopHandle, addr: SocketAddr) -> io::Result<Server> {
    let handle = lp.clone();
    create_server(lp, move || Answers::new(&handle), addr)
}

/// One client: its unfinished line, and the answers still to come.
#[derive(Debug)]
pub struct Answers {
    lp: LoopHandle,
    /// Bytes after the last newline, waiting for the rest of their line.
    partial: Vec<u8>,
    /// Set in `connection_made`; shared with the done callbacks.
    conn: Option<Rc<Conn>>,
    /// How many questions this client has asked.
    asked: u64,
}

/// What the done callbacks need after the protocol method returned.
#[derive(Debug)]
struct Conn {
    transport: Transport,
    /// Questions asked and not answered yet, oldest first.
    pending: RefCell<Vec<Question>>,
    /// The client has sent everything (end of file): close once the last
    /// answer is written.
    eof: Cell<bool>,
}

/// One line in flight: the future of its answer, and the timer that fills it.
#[derive(Debug)]
struct Question {
    /// Tells this question from the others of its connection.
    number: u64,
    answer: CallbackFuture<String>,
    timer: TimerHandle,
}

impl Answers {
    fn new(lp: &LoopHandle) -> Answers {
        Answers {
            lp: lp.clone(),
            partial: Vec::new(),
            conn: None,
            asked: 0,
        }
    }

    /// Asks the "back end" about `line`; the answer is written when its
    /// future is done.
    fn ask(&mut self, conn: &Rc<Conn>, line: String) {
        self.asked += 1;
        let number = self.asked;
        let answer = self.lp.create_future::<String>();
        let filler = answer.clone();
        let timer = self.lp.call_later(ANSWER_DELAY, move || {
            // `AlreadyDone` only if it was cancelled first, and then the
            // timer was cancelled too; nothing to do either way.
            let _ = filler.set_result(line.to_uppercase());
        });
        let done = conn.clone();
        answer.add_done_callback(move |f| done.answered(number, f));
        conn.pending.borrow_mut().push(Question {
            number,
            answer,
            timer,
        });
    }
}

impl Conn {
    /// A done callback: write the answer, and close after the last one if
    /// the client is finished.
    fn answered(&self, number: u64, answer: &CallbackFuture<String>) {
        // Not "every future that is done": the others may be done too, with
        // their callbacks still queued behind this one.
        let left = {
            let mut pending = self.pending.borrow_mut();
            pending.retain(|q| q.number != number);
            pending.len()
        };
        match answer.result() {
            Ok(text) => self.transport.write(format!("{text}\n").as_bytes()),
            // The client left: nobody to write to.
            Err(FutureError::Cancelled) => return,
            Err(e) => self.transport.write(format!("error: {e}\n").as_bytes()),
        }
        if left == 0 && self.eof.get() {
            self.transport.close();
        }
    }
}

impl Protocol for Answers {
    fn connection_made(&mut self, transport: Transport) {
        self.conn = Some(Rc::new(Conn {
            transport,
            pending: RefCell::new(Vec::new()),
            eof: Cell::new(false),
        }));
    }

    fn data_received(&mut self, data: &[u8]) {
        let Some(conn) = self.conn.clone() else {
            return;
        };
        self.partial.extend_from_slice(data);
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let text = String::from_utf8_lossy(&line).trim().to_owned();
            if !text.is_empty() {
                self.ask(&conn, text);
            }
        }
        if self.partial.len() > MAX_LINE {
            conn.transport
                .write(format!("error: lines are at most {MAX_LINE} bytes; bye\n").as_bytes());
            conn.transport.close();
        }
    }

    /// Keep the connection open for the answers still to come.
    fn eof_received(&mut self) -> bool {
        let Some(conn) = &self.conn else {
            return false;
        };
        conn.eof.set(true);
        let waiting = !conn.pending.borrow().is_empty();
        if !waiting {
            conn.transport.close();
        }
        true
    }

    fn connection_lost(&mut self, _error: Option<io::Error>) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // Moved out first: cancelling schedules callbacks that borrow it.
        let pending = conn.pending.take();
        for question in pending {
            question.timer.cancel();
            question.answer.cancel();
        }
    }
}

//! Stack ripping undone: an error deep inside awaited `async fn`s still has
//! every caller on the stack (chapter 15).
//!
//! Chapter 11 split a request handler into callbacks, and when the last one
//! failed, the loop was its only caller: the code that started the request
//! had returned long before. Here the handler is three `async fn`s, each
//! awaiting the next:
//!
//! ```text
//!   handle_client  -- awaits -->  read_request  -- awaits -->  parse_header
//! ```
//!
//! `parse_header` waits for its bytes in the reactor, and the task is woken
//! and polled again by the loop. Polling a task polls its future, which
//! polls the future it awaits, and so on down: when `parse_header` runs
//! again, `read_request` and `handle_client` are on the stack above it. So
//! a backtrace taken where the error is made names all three, and the error
//! goes back up through each, gaining context on the way: the same shape as
//! chapter 11's straight-line handler, on a loop.
//!
//! The protocol is tiny: a request is a header line, `LEN <n>\n`, then `n`
//! bytes; the reply is those bytes. Anything else is a bad request.

use std::backtrace::Backtrace;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::thread;

use course::testing::PATIENCE;
use ghetto_loop::event_loop::{EventLoop, LoopHandle};
use ghetto_loop::net::{TcpListener, TcpStream};

/// The longest header line accepted, in bytes.
pub const MAX_HEADER: usize = 64;

/// The largest body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// Why a request failed, where, and on behalf of whom.
#[derive(Debug)]
pub struct RequestError {
    /// What each caller added on the way up, outermost first.
    context: Vec<String>,
    /// What went wrong where the error was made.
    cause: String,
    /// The stack where the error was made.
    backtrace: Backtrace,
}

impl RequestError {
    /// An error that happened here: the backtrace is taken now, whatever
    /// `RUST_BACKTRACE` says (it costs microseconds, fine for a rare error).
    pub fn new(cause: impl Into<String>) -> RequestError {
        RequestError {
            context: Vec::new(),
            cause: cause.into(),
            backtrace: Backtrace::force_capture(),
        }
    }

    /// Adds what the caller was doing; the outermost caller comes first.
    pub fn context(mut self, what: impl Into<String>) -> RequestError {
        self.context.insert(0, what.into());
        self
    }

    /// The stack where the error was made.
    pub fn backtrace(&self) -> &Backtrace {
        &self.backtrace
    }

    /// The `async fn`s of `krate` on the stack where the error was made,
    /// innermost first.
    ///
    /// In a debug build the body of an `async fn` shows up as a closure
    /// frame, `krate::module::parse_header::{{closure}}`: the compiler
    /// turned the function into a future, and its `poll` runs that body.
    /// An optimised build may inline some of them away.
    pub fn async_frames(&self, krate: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for symbol in symbols(&self.backtrace) {
            let Some(path) = symbol.strip_prefix(krate) else {
                continue;
            };
            let Some(function) = path.strip_suffix("::{{closure}}") else {
                continue;
            };
            // An async block inside an async fn is a closure in a closure.
            let function = function.trim_end_matches("::{{closure}}");
            let name = function.rsplit("::").next().unwrap_or(function);
            if names.last().map(String::as_str) != Some(name) {
                names.push(name.to_owned());
            }
        }
        names
    }

    /// Whether the loop's pass is on the stack below the error: the task
    /// was polled by the loop, not called by its spawner.
    pub fn polled_by_the_loop(&self) -> bool {
        symbols(&self.backtrace)
            .iter()
            .any(|s| s.starts_with("ghetto_loop::event_loop::") && s.ends_with("::run_pass"))
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for what in &self.context {
            write!(f, "{what}: ")?;
        }
        f.write_str(&self.cause)
    }
}

impl std::error::Error for RequestError {}

impl From<io::Error> for RequestError {
    fn from(e: io::Error) -> RequestError {
        RequestError::new(e.to_string())
    }
}

/// Serves one client: answers requests until end-of-file. Returns how
/// many it answered. A bad request is answered with an error line, then
/// the error is returned, with the client's address added.
pub async fn handle_client(stream: TcpStream, peer: SocketAddr) -> Result<usize, RequestError> {
    let mut answered = 0;
    loop {
        let request = match read_request(&stream, answered + 1).await {
            Ok(Some(body)) => body,
            Ok(None) => return Ok(answered),
            Err(e) => {
                let e = e.context(format!("client {peer}"));
                // Best effort: the client may be gone already.
                let _ = stream.write_all(format!("error: {e}\n").as_bytes()).await;
                return Err(e);
            }
        };
        stream.write_all(&request).await?;
        answered += 1;
    }
}

/// Reads request number `number`: its header, then its body. `None` at
/// end-of-file before a header.
async fn read_request(stream: &TcpStream, number: usize) -> Result<Option<Vec<u8>>, RequestError> {
    let context = || format!("request {number}");
    let Some(len) = parse_header(stream)
        .await
        .map_err(|e| e.context(context()))?
    else {
        return Ok(None);
    };
    let mut body = vec![0; len];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|e| RequestError::from(e).context(context()))?;
    Ok(Some(body))
}

/// Reads a header line and parses it: `LEN <n>` gives `n`. `None` at
/// end-of-file before the first byte.
async fn parse_header(stream: &TcpStream) -> Result<Option<usize>, RequestError> {
    // One byte per read, so that no byte of the body is taken with the
    // header. Simple, and a system call per byte: a real server keeps a
    // buffer between reads (exercise 15-1 writes one).
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        if stream.read(&mut byte).await? == 0 {
            if line.is_empty() {
                return Ok(None);
            }
            return Err(RequestError::new("end-of-file in the middle of a header"));
        }
        if byte[0] == b'\n' {
            break;
        }
        if line.len() == MAX_HEADER {
            return Err(RequestError::new(format!(
                "header longer than {MAX_HEADER} bytes"
            )));
        }
        line.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&line);
    let len = text
        .strip_prefix("LEN ")
        .and_then(|n| n.trim().parse::<usize>().ok())
        .filter(|&n| n <= MAX_BODY);
    match len {
        Some(len) => Ok(Some(len)),
        None => Err(RequestError::new(format!(
            "bad header {text:?}: expected \"LEN <n>\" with n up to {MAX_BODY}"
        ))),
    }
}

/// What the client of [`a_bad_request_after_a_wait`] saw, and the error
/// the server's task returned.
#[derive(Debug)]
pub struct Trial {
    /// The reply to the good request.
    pub reply: String,
    /// The line the server sent back for the bad one.
    pub error_line: String,
    /// What `handle_client` returned, through its `JoinHandle`.
    pub error: RequestError,
}

/// Serves one client with [`handle_client`], spawned as a task on `lp`.
/// The client (a thread) sends a good request, waits for its reply, then
/// sends a bad one: so the task waits in the reactor between the two and
/// is polled by the loop when the bad header arrives.
pub fn a_bad_request_after_a_wait(lp: &EventLoop) -> anyhow::Result<Trial> {
    let listener = TcpListener::bind_on(lp, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let client = thread::spawn(move || -> io::Result<(String, String)> {
        let mut stream = std::net::TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(PATIENCE))?;
        stream.write_all(b"LEN 5\nhello")?;
        let mut reply = [0u8; 5];
        stream.read_exact(&mut reply)?;
        stream.write_all(b"LNE 5\n")?;
        let mut error_line = String::new();
        stream.read_to_string(&mut error_line)?;
        Ok((
            String::from_utf8_lossy(&reply).into_owned(),
            error_line.trim_end().to_owned(),
        ))
    });
    let served = lp.block_on(async {
        let (stream, peer) = listener.accept().await?;
        // Spawned, so that the loop polls it as it polls any task.
        let task = LoopHandle::current().spawn(handle_client(stream, peer));
        anyhow::Ok(task.await?)
    })?;
    let (reply, error_line) = client
        .join()
        .map_err(|_| anyhow::anyhow!("the client thread panicked"))??;
    match served? {
        Ok(answered) => anyhow::bail!("the bad request was answered ({answered} answered)"),
        Err(error) => Ok(Trial {
            reply,
            error_line,
            error,
        }),
    }
}

/// The function names of the frames of `backtrace`, innermost first.
fn symbols(backtrace: &Backtrace) -> Vec<String> {
    // A frame prints as "  12: crate::module::function" and its location
    // as "at src/file.rs:3:4" on the next line.
    backtrace
        .to_string()
        .lines()
        .filter_map(|line| {
            let (number, symbol) = line.trim().split_once(": ")?;
            number
                .chars()
                .all(|c| c.is_ascii_digit())
                .then(|| symbol.to_owned())
        })
        .collect()
}

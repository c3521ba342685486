//! Two clients of the idle-timeout echo server, on a paused clock: one
//! that speaks every few seconds and one that falls silent (chapter 16).
//!
//! Everything runs on one loop: the server, its tasks and both clients.
//! So the paused clock can jump: when every task waits and only timers
//! are pending, the loop moves its clock to the nearest deadline. Ten
//! seconds of silence take microseconds, and the diary shows the loop's
//! times, which are exact.

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::LoopHandle;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::time::{sleep, timeout};

use crate::diary::Diary;
use crate::idle;

/// How often the chatty client speaks.
pub const CHATTY_EVERY: Duration = Duration::from_secs(4);

/// How many lines the chatty client sends before it leaves.
pub const CHATTY_LINES: u32 = 5;

/// Who is behind each client address, so the server's lines can say.
type Names = Rc<RefCell<Vec<(SocketAddr, &'static str)>>>;

/// Runs the server with `idle` and both clients on the current loop (on
/// a paused clock, or this takes `idle` of real time and more), until the
/// server has seen both connections end.
pub async fn run(diary: &Diary, idle: Duration) -> io::Result<()> {
    let lp = LoopHandle::current();
    let listener = TcpListener::bind_on(&lp, SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = listener.local_addr()?;
    let names = Names::default();
    let ended = Rc::new(RefCell::new(0));
    let (log, who, count) = (diary.clone(), names.clone(), ended.clone());
    let server = lp.spawn(idle::accept_loop(listener, idle, move |peer, end| {
        let name = who
            .borrow()
            .iter()
            .find(|(a, _)| *a == peer)
            .map_or("a client", |(_, n)| *n);
        log.log("server", format!("{name}'s connection ended: {end:?}"));
        *count.borrow_mut() += 1;
    }));
    diary.log(
        "server",
        format!(
            "echo on {addr}; closes clients idle for {} s",
            idle.as_secs()
        ),
    );

    let (chatty, quiet) =
        ghetto_loop::time::join(chatty(diary, addr, &names), quiet(diary, addr, &names)).await;
    chatty?;
    quiet?;
    // The server's task for chatty still has to read its end-of-file.
    // Bounded, so a server that never notices fails instead of hanging.
    let both = timeout(idle, async {
        while *ended.borrow() < 2 {
            sleep(Duration::from_millis(1)).await;
        }
    });
    let seen = both.await;
    server.abort();
    seen.map_err(io::Error::from)
}

/// Sends a line every [`CHATTY_EVERY`], [`CHATTY_LINES`] times, reading
/// each echo; then leaves.
async fn chatty(diary: &Diary, addr: SocketAddr, names: &Names) -> io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    names.borrow_mut().push((stream.local_addr()?, "chatty"));
    let line = b"still here\n";
    for i in 0..CHATTY_LINES {
        if i > 0 {
            sleep(CHATTY_EVERY).await;
        }
        stream.write_all(line).await?;
        let mut echo = [0; 11];
        stream.read_exact(&mut echo).await?;
    }
    diary.log(
        "chatty",
        format!(
            "sent {CHATTY_LINES} lines, {} s apart, each echoed; leaves",
            CHATTY_EVERY.as_secs()
        ),
    );
    Ok(())
}

/// Says hello, reads the echo, then says nothing until the server closes.
async fn quiet(diary: &Diary, addr: SocketAddr, names: &Names) -> io::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    names.borrow_mut().push((stream.local_addr()?, "quiet"));
    stream.write_all(b"hello\n").await?;
    let mut echo = [0; 6];
    stream.read_exact(&mut echo).await?;
    diary.log("quiet", "said hello, got it back; now says nothing");
    let mut buf = [0; 128];
    let n = stream.read(&mut buf).await?;
    let words = String::from_utf8_lossy(&buf[..n]);
    diary.log("quiet", format!("the server said {words:?}"));
    let after = stream.read(&mut buf).await?;
    if after == 0 {
        diary.log("quiet", "then the server closed the connection");
    }
    Ok(())
}

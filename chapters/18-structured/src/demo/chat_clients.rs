//! Three clients of the chat server, on a paused clock (chapter 18).
//!
//! The server and the clients run on one loop. `ann` and `bob` talk;
//! `mallory` sends bytes that are not UTF-8, which fails her connection's
//! reader, so its group cancels her writer; `bob` leaves, and his writer
//! ends on its own. Then the server's future is dropped, which cancels
//! `ann`'s connection, reader and writer both.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ch16_timers::diary::Diary;
use ghetto_loop::net::{TcpListener, TcpStream};
use ghetto_loop::sync::StreamExt;
use ghetto_loop::sync::stream::Lines;
use ghetto_loop::sys::Shutdown;
use ghetto_loop::time::{Either, select, timeout};

use crate::chat::serve_on;

/// How long a client waits for a line before the demo counts it a failure.
/// On a paused clock a line that never comes costs no real time.
pub const PATIENCE: Duration = Duration::from_secs(1);

/// What `mallory` sends: not UTF-8, so the server's `Lines` fails.
pub const GARBAGE: &[u8] = b"\xff\xfe\n";

/// Runs the server and the three clients on the current loop, then drops
/// the server and watches `ann`'s connection close.
pub async fn run(diary: &Diary) -> io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    diary.log(
        "server",
        format!("chat on {addr}: one group per client, a reader and a writer in each"),
    );
    let ann = match select(serve_on(listener, diary.clone()), script(diary, addr)).await {
        Either::Left(ended) => {
            return Err(io::Error::other(format!("the server ended: {ended:?}")));
        }
        Either::Right(ann) => ann?,
    };
    diary.log(
        "server",
        "its future is dropped: the server group cancels every connection",
    );
    let mut lines = Lines::new(&ann);
    match read_line(&mut lines).await? {
        None => diary.log("ann", "the server closed the connection"),
        Some(line) => return Err(io::Error::other(format!("ann got {line:?}, not the end"))),
    }
    Ok(())
}

/// `ann` and `bob` talk, `mallory` breaks her connection, `bob` leaves.
/// Returns `ann`'s stream, still connected.
async fn script(diary: &Diary, addr: SocketAddr) -> io::Result<TcpStream> {
    let ann = TcpStream::connect(addr).await?;
    let mut ann_lines = Lines::new(&ann);
    expect(diary, "ann", &mut ann_lines).await?;
    let bob = TcpStream::connect(addr).await?;
    let mut bob_lines = Lines::new(&bob);
    expect(diary, "bob", &mut bob_lines).await?;

    ann.write_all(b"hi all\n").await?;
    diary.log("ann", "says \"hi all\"");
    expect(diary, "bob", &mut bob_lines).await?;

    let mallory = TcpStream::connect(addr).await?;
    let mut mallory_lines = Lines::new(&mallory);
    expect(diary, "mallory", &mut mallory_lines).await?;
    mallory.write_all(GARBAGE).await?;
    diary.log("mallory", "sends two bytes that are not UTF-8");
    match read_line(&mut mallory_lines).await? {
        None => diary.log("mallory", "the server closed the connection"),
        Some(line) => return Err(io::Error::other(format!("mallory got {line:?}"))),
    }
    expect(diary, "ann", &mut ann_lines).await?;
    expect(diary, "bob", &mut bob_lines).await?;

    bob.shutdown(Shutdown::Write)?;
    diary.log("bob", "leaves (closes his sending half)");
    match read_line(&mut bob_lines).await? {
        None => diary.log("bob", "the server closed the connection"),
        Some(line) => return Err(io::Error::other(format!("bob got {line:?}"))),
    }
    expect(diary, "ann", &mut ann_lines).await?;
    drop(ann_lines);
    Ok(ann)
}

/// Reads one line, which must come, and logs it.
async fn expect(diary: &Diary, who: &str, lines: &mut Lines<'_>) -> io::Result<()> {
    match read_line(lines).await? {
        Some(line) => {
            diary.log(who, format!("got \"{line}\""));
            Ok(())
        }
        None => Err(io::Error::other(format!("{who}: the server closed early"))),
    }
}

/// The next line, `None` at the end, an error after [`PATIENCE`].
async fn read_line(lines: &mut Lines<'_>) -> io::Result<Option<String>> {
    timeout(PATIENCE, lines.next()).await?.transpose()
}

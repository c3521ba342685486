//! `serve`: a running sum per client, each one a [`RunningSum`] generator
//! fed by what the client types (chapter 08).
//!
//! ```text
//! 5            -> = 5
//! 3            -> = 8
//! reset        -> = 0 (reset)        the server throws an error into the generator
//! 10           -> = 10
//! end          -> sum of 1 numbers: 10, bye    the generator completes
//! ```
//!
//! The generator is the client's whole state: the server only resumes it
//! with each number. Clients are served by one thread each (chapter 02's
//! model): the generators are the subject here, not the concurrency.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::thread;
use std::time::Duration;

use ghetto_loop::sys::Socket;

use crate::generator::{Generator, GeneratorState};
use crate::running_sum::{RunningSum, Summary};

/// The longest line a client may send; a longer one ends the session, so a
/// peer cannot make the server buffer without limit.
pub const MAX_LINE: usize = 1024;

/// Binds `addr`, prints `listening on ADDR`, and serves until killed.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    let listener = Socket::listen(addr, 128)?;
    course::cli::announce_listening(listener.local_addr()?);
    serve_on(&listener)?;
    Ok(())
}

/// Accepts clients forever, one thread each.
pub fn serve_on(listener: &Socket) -> io::Result<()> {
    loop {
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            // Out of fds (EMFILE/ENFILE) or a connection that died in the
            // queue: say so, wait a little for things to change, go on.
            Err(e) => {
                eprintln!("accept failed: {e}; retrying");
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let spawned = thread::Builder::new()
            .name(format!("client {peer}"))
            .spawn(move || {
                if let Err(e) = session(&conn) {
                    eprintln!("client {peer}: {e}");
                }
            });
        if let Err(e) = spawned {
            // The connection was moved into the closure and is closed with it.
            eprintln!("client {peer}: cannot start a thread for it: {e}");
        }
    }
}

/// One client's session: every number it sends goes into its running sum.
pub fn session(conn: &Socket) -> io::Result<()> {
    let mut reader = BufReader::new(conn);
    let mut sum = RunningSum::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        // One byte over the limit tells a too-long line from one that fits.
        let n = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)?;
        if line.len() > MAX_LINE {
            return reply(
                conn,
                &format!("error: lines are at most {MAX_LINE} bytes; bye"),
            );
        }
        let text = String::from_utf8_lossy(&line);
        let word = if n == 0 { "end" } else { text.trim() };
        let state = match word {
            "" => continue,
            // End of input: `resume(None)` lets the generator complete.
            "end" => sum.resume(None),
            "reset" => match sum.throw("the client asked for a reset".into()) {
                Ok(state) => state,
                Err(e) => return reply(conn, &format!("error: {e}; bye")),
            },
            number => match number.parse::<i64>() {
                Ok(number) => sum.resume(Some(number)),
                Err(_) => {
                    reply(
                        conn,
                        &format!(
                            "error: {number:?} is not a whole number; send an integer, \"reset\" or \"end\""
                        ),
                    )?;
                    continue;
                }
            },
        };
        match state {
            GeneratorState::Yielded(total) if total == i64::MAX || total == i64::MIN => reply(
                conn,
                &format!("= {total} (the limit of a 64-bit sum: it stays there)"),
            )?,
            GeneratorState::Yielded(total) => reply(conn, &format!("= {total}"))?,
            GeneratorState::Complete(Summary { total, count }) => {
                return reply(conn, &format!("sum of {count} numbers: {total}, bye"));
            }
        }
    }
}

fn reply(mut conn: &Socket, text: &str) -> io::Result<()> {
    conn.write_all(format!("{text}\n").as_bytes())
}

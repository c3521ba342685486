//! A line client for demos and tests: send a line, read a line, every wait
//! bounded by [`PATIENCE`].
//!
//! The chapters' servers speak in lines (echo, chat, commands), and their
//! demos and tests all need the same prop on the other end: a blocking
//! `std::net` socket, a buffer that splits what comes back into lines, and a
//! bound on every read so a broken server makes a run fail instead of hang.
//! This is that prop, written once. It is not part of the runtime, and a
//! learner need not read it.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};

use crate::testing::PATIENCE;

/// A blocking connection to `addr` whose reads and writes wait at most
/// [`PATIENCE`], with `TCP_NODELAY` (Nagle's algorithm can otherwise hold a
/// small write back until the previous one is acknowledged): the stream
/// under a [`LineClient`], for tests that speak bytes rather than lines.
pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Sends all of `data` on `stream` from a second thread, then shuts down
/// writing, while this thread reads until the peer closes: what came back.
/// Writing and reading at once is what lets a payload bigger than the
/// socket buffers through an echo server, whose writes would otherwise wait
/// for a reader that is itself still writing.
pub fn echo_all(stream: &TcpStream, data: &[u8]) -> io::Result<Vec<u8>> {
    let mut writer = stream.try_clone()?;
    std::thread::scope(|s| {
        let sender = s.spawn(move || {
            writer.write_all(data)?;
            writer.shutdown(Shutdown::Write)
        });
        let mut got = Vec::new();
        let read = (&*stream).read_to_end(&mut got);
        sender.join().expect("the sender does not panic")?;
        read.map(|_| got)
    })
}

/// Writes `lines[i]` on `streams[i]`, every one of them before reading
/// anything, then reads back as many bytes from each: what each got. Every
/// client is connected and has spoken before any is answered, so a server
/// must serve them all at once to answer the first.
pub fn all_speak_then_read(
    streams: &mut [TcpStream],
    lines: &[String],
) -> io::Result<Vec<Vec<u8>>> {
    for (stream, line) in streams.iter_mut().zip(lines) {
        stream.write_all(line.as_bytes())?;
    }
    streams
        .iter_mut()
        .zip(lines)
        .map(|(stream, line)| {
            let mut got = vec![0; line.len()];
            stream.read_exact(&mut got)?;
            Ok(got)
        })
        .collect()
}

/// Writes `data` to an echo server on `stream` and reads the echo back:
/// exactly as many bytes, which must be the same ones (`InvalidData`
/// otherwise). For tests that speak bytes; a line protocol has
/// [`LineClient::round_trip`].
pub fn echo_bytes(stream: &mut TcpStream, data: &[u8]) -> io::Result<()> {
    stream.write_all(data)?;
    let mut back = vec![0; data.len()];
    stream.read_exact(&mut back)?;
    if back != data {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "sent {:?}, got {:?} back",
                String::from_utf8_lossy(data),
                String::from_utf8_lossy(&back)
            ),
        ));
    }
    Ok(())
}

/// A connected line client.
///
/// ```
/// # use std::io::{BufRead, BufReader, Write};
/// # use std::net::TcpListener;
/// use course::line_client::LineClient;
///
/// # let listener = TcpListener::bind("127.0.0.1:0")?;
/// # let addr = listener.local_addr()?;
/// # let server = std::thread::spawn(move || -> std::io::Result<()> {
/// #     let (conn, _) = listener.accept()?;
/// #     let mut line = String::new();
/// #     BufReader::new(&conn).read_line(&mut line)?;
/// #     (&conn).write_all(line.as_bytes())
/// # });
/// // Against an echo server on `addr`:
/// let mut client = LineClient::connect(addr)?;
/// assert_eq!(client.ask("hello")?, "hello");
/// # server.join().unwrap()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct LineClient {
    /// The connection, behind a buffer that holds only what was read; writes
    /// go around it, to the socket itself.
    lines: BufReader<TcpStream>,
}

impl LineClient {
    /// Connects to `addr`, as [`connect`] does.
    pub fn connect(addr: SocketAddr) -> io::Result<LineClient> {
        Ok(LineClient {
            lines: BufReader::new(connect(addr)?),
        })
    }

    /// The socket: for its addresses, `shutdown`, or raw bytes.
    pub fn stream(&self) -> &TcpStream {
        self.lines.get_ref()
    }

    /// Sends `line` and a newline.
    pub fn send(&mut self, line: &str) -> io::Result<()> {
        self.stream().write_all(format!("{line}\n").as_bytes())
    }

    /// The next line, without its newline; `None` once the server has closed
    /// the connection and everything before that was read.
    ///
    /// Errors with `TimedOut` if no whole line comes within [`PATIENCE`].
    pub fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut line = String::new();
        match self.lines.read_line(&mut line) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(line.trim_end().to_owned())),
            // A read timeout on a socket is EAGAIN, which std reports as
            // `WouldBlock`: say what it means here.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no line from the server within {PATIENCE:?}"),
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// The next line; the end of the connection is an `UnexpectedEof` error.
    pub fn next_line(&mut self) -> io::Result<String> {
        self.read_line()?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            )
        })
    }

    /// Sends `line` and returns the line that comes back.
    pub fn ask(&mut self, line: &str) -> io::Result<String> {
        self.send(line)?;
        self.next_line()
    }

    /// Sends `line` and checks that the same line comes back (an
    /// `InvalidData` error says what came instead).
    pub fn round_trip(&mut self, line: &str) -> io::Result<()> {
        let reply = self.ask(line)?;
        if reply != line {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("sent {line:?}, got {reply:?} back"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Shutdown, TcpListener};
    use std::thread;

    #[test]
    fn lines_go_out_and_come_back_and_the_end_is_none() -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let mut client = LineClient::connect(listener.local_addr()?)?;
        let (conn, _) = listener.accept()?;
        let server = thread::spawn(move || -> io::Result<()> {
            let mut lines = BufReader::new(&conn);
            let mut line = String::new();
            lines.read_line(&mut line)?;
            (&conn).write_all(line.as_bytes())?;
            (&conn).write_all(b"something else\n")?;
            conn.shutdown(Shutdown::Write)
        });
        client.round_trip("one")?;
        let wrong = client
            .round_trip("two")
            .expect_err("an echo of the wrong line");
        assert_eq!(wrong.kind(), io::ErrorKind::InvalidData);
        assert!(wrong.to_string().contains("\"something else\""), "{wrong}");
        assert_eq!(client.read_line()?, None);
        let eof = client.next_line().expect_err("the server is gone");
        assert_eq!(eof.kind(), io::ErrorKind::UnexpectedEof);
        server.join().expect("no panic")
    }
}

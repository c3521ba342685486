// Exercise 04-2, the reference solution: the select loop.

use std::collections::HashMap;
use std::io;
use std::os::fd::AsFd;

use ghetto_loop::sys::{Interest, Selector, Socket, Token};

/// The listener's token; client `n` (counting from 1) gets `Token(n)`.
const LISTENER: Token = Token(0);

/// Accepts `clients` clients on `listener` and answers each one's first
/// line with `you said: LINE\n`, in the order they speak, waiting only in
/// `selector.wait`. Returns the lines (without `\n`) in the order answered.
/// Everything registered is deregistered before it returns.
pub fn answer_first_lines(
    selector: &mut dyn Selector,
    listener: &Socket,
    clients: usize,
) -> io::Result<Vec<String>> {
    listener.set_nonblocking(true)?;
    selector.register(listener.as_fd(), LISTENER, Interest::READABLE)?;
    let mut listening = true;
    // Each client's socket and the bytes of its line so far.
    let mut conns: HashMap<usize, (Socket, Vec<u8>)> = HashMap::new();
    let (mut accepted, mut done) = (0, 0);
    let mut lines = Vec::new();
    let mut events = Vec::new();
    while done < clients {
        selector.wait(&mut events, None)?;
        for event in &events {
            if event.token == LISTENER {
                while listening {
                    let socket = match listener.accept() {
                        Ok((socket, _peer)) => socket,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    };
                    socket.set_nonblocking(true)?;
                    accepted += 1;
                    selector.register(socket.as_fd(), Token(accepted), Interest::READABLE)?;
                    conns.insert(accepted, (socket, Vec::new()));
                    if accepted == clients {
                        selector.deregister(listener.as_fd())?;
                        listening = false;
                    }
                }
                continue;
            }
            let Some((socket, line)) = conns.get_mut(&event.token.0) else {
                continue;
            };
            let mut chunk = [0u8; 1024];
            let finished = match socket.read(&mut chunk) {
                // Hung up without a line: done, nothing to answer.
                Ok(0) => true,
                Ok(n) => {
                    line.extend_from_slice(&chunk[..n]);
                    match line.iter().position(|&b| b == b'\n') {
                        Some(end) => {
                            let text = String::from_utf8_lossy(&line[..end]).into_owned();
                            // A short reply to a fresh socket fits in its
                            // send buffer; a failure is that client's loss.
                            let _ = socket.write(format!("you said: {text}\n").as_bytes());
                            lines.push(text);
                            true
                        }
                        None => false,
                    }
                }
                // Readiness was only a hint: nothing to read after all.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => false,
                // A client that failed is done too.
                Err(_) => true,
            };
            if finished {
                if let Some((socket, _)) = conns.remove(&event.token.0) {
                    selector.deregister(socket.as_fd())?;
                }
                done += 1;
            }
        }
    }
    if listening {
        selector.deregister(listener.as_fd())?;
    }
    Ok(lines)
}

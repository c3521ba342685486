// Exercise 11-2: a server made of callbacks (reference solution).

use std::io;
use std::rc::Rc;

use ghetto_loop::event_loop::LoopHandle;
use ghetto_loop::sys::Socket;

/// Serves every client of `listener` on `lp`: what a client sends comes
/// back in upper case. Returns once the listener has its reader.
pub fn serve_upper(lp: &LoopHandle, listener: Socket) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = Rc::new(listener);
    let (lp2, l2) = (lp.clone(), listener.clone());
    lp.add_reader(&*listener, move || {
        // Until `WouldBlock` (nobody else waiting) or another error (out of
        // fds...): then try again the next time the listener is readable.
        while let Ok((conn, _peer)) = l2.accept() {
            if conn.set_nonblocking(true).is_err() {
                continue; // dropping it closes it
            }
            let conn = Rc::new(conn);
            let (lp3, c3) = (lp2.clone(), conn.clone());
            // If the loop cannot watch it, dropping it closes it.
            let _ = lp2.add_reader(&*conn, move || on_readable(&lp3, &c3));
        }
    })
}

/// Called when `conn` is readable: read, upper-case, write back; on EOF or
/// an error, remove the reader.
fn on_readable(lp: &LoopHandle, conn: &Rc<Socket>) {
    let mut buf = [0u8; 4096];
    let n = match conn.read(&mut buf) {
        Ok(0) => return close(lp, conn),
        Ok(n) => n,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
        Err(_) => return close(lp, conn),
    };
    buf[..n].make_ascii_uppercase();
    let mut reply = &buf[..n];
    while !reply.is_empty() {
        match conn.write(reply) {
            Ok(k) => reply = &reply[k..],
            // The simplification of README.md: a client whose buffer is full
            // stopped reading; let it go.
            Err(_) => return close(lp, conn),
        }
    }
}

/// Removing the reader drops the callback, and with it the last `Rc` of the
/// socket: deregistered first, then closed.
fn close(lp: &LoopHandle, conn: &Rc<Socket>) {
    let _ = lp.remove_reader(&**conn);
}

// Exercise 11-2: a server made of callbacks. See README.md.

use std::io;
use std::rc::Rc;

use ghetto_loop::event_loop::LoopHandle;
use ghetto_loop::sys::Socket;

/// Serves every client of `listener` on `lp`: what a client sends comes
/// back in upper case. Returns once the listener has its reader.
pub fn serve_upper(lp: &LoopHandle, listener: Socket) -> io::Result<()> {
    todo!("a reader on the listener that accepts, and a reader per connection")
}

/// Called when `conn` is readable: read, upper-case, write back; on EOF or
/// an error, remove the reader.
fn on_readable(lp: &LoopHandle, conn: &Rc<Socket>) {
    todo!("read, reply, or remove the reader")
}

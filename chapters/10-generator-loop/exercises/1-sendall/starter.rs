// Exercise 10-1: sendall as a generator that handles partial sends. See
// README.md.
use std::io;
use std::rc::Rc;

use ch08_generators::{Generator, GeneratorState};
use ch10_generator_loop::Call;
use ghetto_loop::sys::Socket;

/// A generator that writes all of `data` to the non-blocking `socket`,
/// waiting for room whenever the send buffer is full.
pub fn sendall(socket: &Rc<Socket>, data: Vec<u8>) -> SendAll {
    todo!("build the state of a sendall of {} bytes", data.len())
}

/// See [`sendall`].
#[derive(Debug)]
pub struct SendAll {
    // Your fields: what must survive a yield.
}

impl SendAll {
    /// How many bytes have been written so far.
    pub fn sent(&self) -> usize {
        todo!()
    }
}

impl Generator for SendAll {
    type Yield = Call;
    type Return = io::Result<()>;

    fn resume(&mut self, (): ()) -> GeneratorState<Call, io::Result<()>> {
        todo!("write until done; yield Call::Wait(socket, WRITABLE) on WouldBlock")
    }
}

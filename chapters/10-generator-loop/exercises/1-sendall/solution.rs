// Exercise 10-1, the reference solution: sendall as a generator that handles
// partial sends.
use std::io;
use std::rc::Rc;

use ch08_generators::{Generator, GeneratorState};
use ch10_generator_loop::Call;
use ghetto_loop::sys::{Interest, Socket};

/// A generator that writes all of `data` to the non-blocking `socket`,
/// waiting for room whenever the send buffer is full.
pub fn sendall(socket: &Rc<Socket>, data: Vec<u8>) -> SendAll {
    SendAll {
        socket: socket.clone(),
        data,
        sent: 0,
        done: false,
    }
}

/// See [`sendall`].
#[derive(Debug)]
pub struct SendAll {
    /// Where to write; non-blocking.
    socket: Rc<Socket>,
    /// Everything to write.
    data: Vec<u8>,
    /// How much of `data` is written: where to go on from.
    sent: usize,
    /// Whether it has completed.
    done: bool,
}

impl SendAll {
    /// How many bytes have been written so far.
    pub fn sent(&self) -> usize {
        self.sent
    }
}

impl Generator for SendAll {
    type Yield = Call;
    type Return = io::Result<()>;

    fn resume(&mut self, (): ()) -> GeneratorState<Call, io::Result<()>> {
        assert!(!self.done, "sendall resumed after it completed");
        while self.sent < self.data.len() {
            match self.socket.write(&self.data[self.sent..]) {
                // A partial write is normal: go round with the rest.
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return GeneratorState::Yielded(Call::Wait(
                        self.socket.clone(),
                        Interest::WRITABLE,
                    ));
                }
                Err(e) => {
                    self.done = true;
                    return GeneratorState::Complete(Err(e));
                }
            }
        }
        self.done = true;
        GeneratorState::Complete(Ok(()))
    }
}

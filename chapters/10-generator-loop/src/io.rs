//! `accept`, `recv` and `sendall` as generators: socket calls that yield to
//! the loop instead of blocking (chapter 10).
//!
//! Each helper is a small generator that a task delegates to with
//! `yield_from!` (Python's `yield from`): while the helper waits, its
//! [`Call::Wait`] passes straight through the task to the loop; when it is
//! done, its return value is the value of the `yield_from!`.
//!
//! ```python
//! def accept(listener):              def recv(sock, max):
//!     while True:                        yield sock, READ
//!         try:                           return sock.recv(max)
//!             return listener.accept()
//!         except BlockingIOError:
//!             yield listener, READ
//!
//! def sendall(sock, data):
//!     while data:
//!         try:
//!             data = data[sock.send(data):]
//!         except BlockingIOError:
//!             yield sock, WRITE
//! ```
//!
//! Every socket must be non-blocking: these helpers rely on "would block"
//! to know when to yield.

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use ch08_generators::{Generator, GeneratorState};
use ghetto_loop::sys::{Interest, Socket};

use crate::task::Call;

/// A generator that accepts one connection from `listener`.
pub fn accept(listener: &Rc<Socket>) -> Accept {
    Accept {
        listener: listener.clone(),
        done: false,
    }
}

/// A generator that waits until `socket` is readable, then reads at most
/// `max` bytes; it returns them (empty at end-of-file).
///
/// It allocates a fresh buffer per call, as Python's `recv` does; real
/// runtimes read into buffers they reuse.
pub fn recv(socket: &Rc<Socket>, max: usize) -> Recv {
    Recv {
        socket: socket.clone(),
        max,
        state: RecvState::Start,
    }
}

/// A generator that writes all of `data`, waiting whenever the socket's send
/// buffer is full; a partial write just moves on to the rest.
pub fn sendall(socket: &Rc<Socket>, data: Vec<u8>) -> SendAll {
    SendAll {
        socket: socket.clone(),
        data,
        sent: 0,
        done: false,
    }
}

/// See [`accept`].
#[derive(Debug)]
pub struct Accept {
    /// Non-blocking.
    listener: Rc<Socket>,
    /// Whether it has completed.
    done: bool,
}

impl Generator for Accept {
    type Yield = Call;
    type Return = io::Result<(Socket, SocketAddr)>;

    fn resume(&mut self, (): ()) -> GeneratorState<Call, Self::Return> {
        assert!(!self.done, "accept resumed after it completed");
        match self.listener.accept() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                GeneratorState::Yielded(Call::Wait(self.listener.clone(), Interest::READABLE))
            }
            result => {
                self.done = true;
                GeneratorState::Complete(result)
            }
        }
    }
}

/// See [`recv`].
#[derive(Debug)]
pub struct Recv {
    /// Non-blocking.
    socket: Rc<Socket>,
    /// The most to read.
    max: usize,
    /// Where it is paused.
    state: RecvState,
}

/// Where a [`Recv`] is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecvState {
    /// Not started: the first resume yields "wait until readable".
    Start,
    /// At `yield sock, READ`.
    Waiting,
    /// Completed.
    Done,
}

impl Generator for Recv {
    type Yield = Call;
    type Return = io::Result<Vec<u8>>;

    fn resume(&mut self, (): ()) -> GeneratorState<Call, Self::Return> {
        match self.state {
            // Waiting first, even if data may be there already, is what
            // keeps the loop fair: a client that sends without pause still
            // gets one read per pass, like everybody else.
            RecvState::Start => {
                self.state = RecvState::Waiting;
                GeneratorState::Yielded(Call::Wait(self.socket.clone(), Interest::READABLE))
            }
            RecvState::Waiting => {
                let mut buf = vec![0; self.max];
                match self.socket.read(&mut buf) {
                    // Readiness is a hint: another reader, or a spurious
                    // wake-up, may leave nothing to read. Wait again.
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        GeneratorState::Yielded(Call::Wait(self.socket.clone(), Interest::READABLE))
                    }
                    result => {
                        self.state = RecvState::Done;
                        GeneratorState::Complete(result.map(|n| {
                            buf.truncate(n);
                            buf
                        }))
                    }
                }
            }
            RecvState::Done => panic!("recv resumed after it completed"),
        }
    }
}

/// See [`sendall`].
#[derive(Debug)]
pub struct SendAll {
    /// Non-blocking.
    socket: Rc<Socket>,
    /// Everything to send.
    data: Vec<u8>,
    /// How much of `data` the kernel has taken so far.
    sent: usize,
    /// Whether it has completed.
    done: bool,
}

impl SendAll {
    /// How many bytes have been sent so far.
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
                // A send that takes nothing of a non-empty buffer would
                // loop here forever; the kernel does not do that on a TCP
                // socket, but say so rather than spin if it ever did.
                Ok(0) => {
                    self.done = true;
                    return GeneratorState::Complete(Err(io::ErrorKind::WriteZero.into()));
                }
                // A partial write: the kernel took what fit in the send
                // buffer. Go round and offer it the rest.
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

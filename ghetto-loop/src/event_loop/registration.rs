//! `Registration`: an async socket's place in the loop, the reactor's whole
//! interface (chapter 15).
//!
//! Chapter 11's `add_reader` says "call me every time this fd is ready".
//! A task cannot be called; it can only be woken and then poll again. So an
//! async socket registers differently: the loop remembers, per direction,
//! whether the fd is ready and which task waits for it
//! (`io.rs`, `Source`). The socket then does what every production reactor
//! does (mio and tokio's `PollEvented`, async-io's `Async`):
//!
//! 1. **try the system call first**, while the direction is thought ready;
//! 2. on `WouldBlock`, **clear the readiness, leave the task's waker, and
//!    return `Pending`**;
//! 3. the selector reports the fd; the loop marks it ready and **wakes the
//!    task, which runs in the same pass** and goes back to 1.
//!
//! The fd stays registered while the socket lives; the interest changes
//! only when the set of directions someone waits for grows (see `Source`).

use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::io::Direction;
use super::loop_handle::{LoopHandle, closed_error};

/// A non-blocking fd registered with a loop as an async socket.
///
/// Dropping it deregisters the fd; the `T` it owns is closed after that,
/// when its last reference goes: the loop's table shares it, so the fd can
/// never be closed while the selector still watches it.
///
/// ```
/// use ghetto_loop::event_loop::{Direction, EventLoop, Registration};
/// use ghetto_loop::sys::Socket;
/// use std::future::poll_fn;
///
/// let lp = EventLoop::new()?;
/// let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 16)?;
/// listener.set_nonblocking(true)?;
/// let addr = listener.local_addr()?;
/// let listener = Registration::new(&lp, listener)?;
/// let client = std::thread::spawn(move || std::net::TcpStream::connect(addr));
/// let peer = lp.block_on(async {
///     // Accept, waiting for readiness whenever accept would block.
///     poll_fn(|cx| listener.poll_io(Direction::Read, cx, |l| l.accept())).await
/// })??.1;
/// client.join().unwrap()?;
/// assert!(peer.ip().is_loopback());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Registration<T: AsFd + 'static> {
    lp: LoopHandle,
    /// Shared with the loop's fd table until this is dropped.
    io: Rc<T>,
}

impl<T: AsFd + 'static> Registration<T> {
    /// Registers `io` with `lp`. The fd must be non-blocking: every call on
    /// it is tried first, and a blocking one would stall the loop.
    ///
    /// Errors: the loop is closed, or the fd already has a reader, a writer
    /// or another registration (`AlreadyExists`).
    pub fn new(lp: &LoopHandle, io: T) -> io::Result<Registration<T>> {
        if lp.is_closed() {
            return Err(closed_error());
        }
        let io = Rc::new(io);
        lp.inner.state.borrow_mut().io.add_source(io.clone())?;
        Ok(Registration { lp: lp.clone(), io })
    }

    /// The registered fd's owner.
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// The loop it is registered with.
    pub fn loop_handle(&self) -> &LoopHandle {
        &self.lp
    }

    /// `Ready` if `direction` is thought ready; otherwise leaves the task's
    /// waker to be woken when the selector says so, and returns `Pending`.
    ///
    /// Errors: the selector refused the fd (say, `select` and an fd of 1,024
    /// or more), or the loop is closed.
    pub fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let (result, replaced) = {
            let mut state = self.lp.inner.state.borrow_mut();
            let state = &mut *state;
            match state.selector.as_deref_mut() {
                Some(selector) => {
                    state
                        .io
                        .poll_ready(selector, self.io.as_fd(), direction, cx.waker())
                }
                None => (Err(closed_error()), None),
            }
        };
        // The waker it replaced is dropped here, outside the borrow.
        drop(replaced);
        match result {
            Ok(true) => Poll::Ready(Ok(())),
            Ok(false) => Poll::Pending,
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    /// Forgets that `direction` is ready: the next
    /// [`poll_ready`](Registration::poll_ready) waits for the selector.
    /// Call it when a call said `WouldBlock`, or when a read came back
    /// shorter than its buffer (the socket is drained; asking again would
    /// only say `WouldBlock`).
    pub fn clear_ready(&self, direction: Direction) {
        self.lp
            .inner
            .state
            .borrow_mut()
            .io
            .clear_ready(self.io.as_fd(), direction);
    }

    /// Runs `op` until it does not say `WouldBlock`, waiting for
    /// `direction` in between: steps 1-3 of the module docs.
    pub fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            match self.poll_ready(direction, cx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
            match op(&self.io) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(direction),
                result => return Poll::Ready(result),
            }
        }
    }
}

impl<T: AsFd + 'static> Drop for Registration<T> {
    /// Deregisters the fd. The loop's reference to `T` and any waker it
    /// held are dropped after the borrow ends.
    fn drop(&mut self) {
        let removed = {
            let mut state = self.lp.inner.state.borrow_mut();
            let state = &mut *state;
            state
                .io
                .remove_source(state.selector.as_deref_mut(), self.io.as_fd())
        };
        drop(removed);
    }
}

impl<T: AsFd + fmt::Debug + 'static> fmt::Debug for Registration<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("io", &self.io)
            .finish()
    }
}

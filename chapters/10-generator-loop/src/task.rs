//! What a task yields to the loop, and what a task is (chapter 10).
//!
//! In Python the generators of this chapter yield a pair, `(sock, READ)`:
//! "resume me when this socket is readable". [`Call::Wait`] is that pair.
//! The socket travels as an `Rc<Socket>`, not as a bare fd number, for one
//! reason: the loop must stop watching an fd *before* it is closed (the
//! selector contract), and while the loop holds a clone of the `Rc`, the
//! socket cannot close under it, even when the task that owned it has
//! finished.

use std::fmt;
use std::os::fd::AsRawFd;
use std::rc::Rc;

use ch08_generators::Generator;
use ghetto_loop::sys::{Interest, Socket};

/// What a task asks of the loop when it yields.
pub enum Call {
    /// "Resume me when `socket` is ready for `interest`."
    Wait(Rc<Socket>, Interest),
    /// "Start this task as well, then resume me." The name shows up in the
    /// loop's messages about the task.
    Spawn {
        /// A name for messages, like `client 127.0.0.1:40404`.
        name: String,
        /// The new task.
        task: Task,
    },
}

/// A task: a generator resumed with `()`, yielding [`Call`]s, and completing
/// with `Ok(())` or the error that ended it.
pub type Task = Box<dyn Generator<(), Yield = Call, Return = std::io::Result<()>>>;

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Wait(socket, interest) => f
                .debug_tuple("Wait")
                .field(&socket.as_raw_fd())
                .field(interest)
                .finish(),
            Call::Spawn { name, .. } => f
                .debug_struct("Spawn")
                .field("name", name)
                .finish_non_exhaustive(),
        }
    }
}

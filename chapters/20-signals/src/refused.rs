//! The signals a listener refuses, and the errors it gives (chapter 20).

use std::io;

use ghetto_loop::event_loop::LoopHandle;
use ghetto_loop::signal::{Signals, Via};

/// `SIGKILL`, `SIGSTOP` and `SIGSEGV`, with their numbers on Linux: the
/// first two no process can catch or block; the third is a fault, raised
/// by the instruction that faulted.
pub const REFUSED: [(&str, i32); 3] = [("SIGKILL", 9), ("SIGSTOP", 19), ("SIGSEGV", 11)];

/// Asks for a listener of each of [`REFUSED`], both ways, and returns the
/// errors: `(name, via, error)`. A listener that is made after all is an
/// error of its own.
pub fn try_all(lp: &LoopHandle) -> io::Result<Vec<(&'static str, Via, io::Error)>> {
    let mut refused = Vec::new();
    for (name, signal) in REFUSED {
        for via in [Via::SignalFd, Via::SelfPipe] {
            match Signals::on(lp, signal, via) {
                Err(e) => refused.push((name, via, e)),
                Ok(listener) => {
                    return Err(io::Error::other(format!(
                        "{name} was accepted: {listener:?}"
                    )));
                }
            }
        }
    }
    Ok(refused)
}

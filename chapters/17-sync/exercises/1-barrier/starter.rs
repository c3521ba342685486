// Exercise 17-1: an async barrier from `Mutex` and `Event`. See README.md.

// What you need, imported for you (unused until you use it).
#[allow(unused_imports)]
use std::rc::Rc;

#[allow(unused_imports)]
use ghetto_loop::sync::{Event, Mutex};

/// Makes `n` tasks wait for each other: each [`wait`](Barrier::wait)
/// returns once `n` tasks have called it, and then the barrier is ready
/// for the next round.
#[derive(Debug)]
pub struct Barrier {
    // Your fields. A suggestion: the round size, and a
    // `Mutex` around how many have arrived and the round's `Rc<Event>`.
}

impl Barrier {
    /// A barrier for rounds of `n` tasks. `n == 0` behaves as `n == 1`.
    pub fn new(n: usize) -> Barrier {
        todo!("the round size and an empty first round")
    }

    /// Waits until `n` tasks have called `wait` in this round. Returns
    /// `true` in exactly one task per round: the last to arrive, which
    /// released the others.
    pub async fn wait(&self) -> bool {
        todo!("count yourself in; the last raises the round's event, the others wait on it")
    }
}

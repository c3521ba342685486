// Exercise 17-1: an async barrier from `Mutex` and `Event`. See README.md.

use std::rc::Rc;

use ghetto_loop::sync::{Event, Mutex};

/// Makes `n` tasks wait for each other: each [`wait`](Barrier::wait)
/// returns once `n` tasks have called it, and then the barrier is ready
/// for the next round.
#[derive(Debug)]
pub struct Barrier {
    /// How many tasks make a round (at least 1).
    n: usize,
    round: Mutex<Round>,
}

/// The round under way.
#[derive(Debug)]
struct Round {
    /// Tasks that have arrived in this round.
    arrived: usize,
    /// Raised when the round is complete. Each round has its own event,
    /// so a task that hurries into the next round cannot find the old
    /// one raised and run through.
    released: Rc<Event>,
}

impl Barrier {
    /// A barrier for rounds of `n` tasks. `n == 0` behaves as `n == 1`.
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            round: Mutex::new(Round {
                arrived: 0,
                released: Rc::new(Event::new()),
            }),
        }
    }

    /// Waits until `n` tasks have called `wait` in this round. Returns
    /// `true` in exactly one task per round: the last to arrive, which
    /// released the others.
    pub async fn wait(&self) -> bool {
        let released = {
            let mut round = self.round.lock().await;
            round.arrived += 1;
            if round.arrived == self.n {
                // The last one: start the next round with a fresh event,
                // and raise this round's for everyone waiting on it.
                let done = std::mem::replace(&mut round.released, Rc::new(Event::new()));
                round.arrived = 0;
                done.set();
                return true;
            }
            round.released.clone()
        }; // unlocked here: never hold the lock while waiting
        released.wait().await;
        false
    }
}

// Exercise 13-1, the reference solution: an async fn's state machine, by
// hand.
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use ch13_futures::{Later, Voice};

/// The `async fn` to write by hand. Do not change it: the tests compare
/// your [`Total`] with it.
pub async fn total(voice: Voice, count: u32) -> u32 {
    voice.say("starts");
    let mut sum = 0;
    for i in 1..=count {
        let n = Later::new(i * 10, i).await;
        sum += n;
        voice.say(format!("got {n}, sum {sum}"));
    }
    voice.say("done");
    sum
}

/// [`total`], by hand: where it is paused, and what is alive there.
#[derive(Debug)]
pub enum Total {
    /// Made, not yet polled: only the arguments exist.
    Start {
        /// Argument.
        voice: Voice,
        /// Argument.
        count: u32,
    },
    /// Paused at the `.await`, in turn `i` of the loop. The one `.await`
    /// is one variant, however many turns the loop makes: the loop's
    /// locals (`i`, `sum`, `count`) are what tell the turns apart.
    Awaiting {
        /// Still needed after this point.
        voice: Voice,
        /// The loop's bound.
        count: u32,
        /// The loop's variable.
        i: u32,
        /// The running sum.
        sum: u32,
        /// The future being awaited.
        fut: Later<u32>,
    },
    /// Returned: polling again is a bug.
    Done,
}

impl Total {
    /// What calling `total(voice, count)` returns: nothing has run yet.
    pub fn new(voice: Voice, count: u32) -> Total {
        Total::Start { voice, count }
    }
}

/// The top of the `for` loop, at turn `i`: either the body runs up to its
/// `.await` (`Continue` with that state), or the loop is over and the
/// function returns (`Break` with the sum).
fn loop_head(voice: Voice, count: u32, i: u32, sum: u32) -> ControlFlow<u32, Total> {
    if i > count {
        voice.say("done");
        return ControlFlow::Break(sum);
    }
    let fut = Later::new(i * 10, i);
    ControlFlow::Continue(Total::Awaiting {
        voice,
        count,
        i,
        sum,
        fut,
    })
}

impl Future for Total {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        // `Total` is `Unpin` (nothing in it points into it), so a plain
        // `&mut` is fine.
        let this = self.get_mut();
        loop {
            // Take the state out, leaving `Done` behind (so a panic leaves
            // it finished), and work out the next one.
            let next = match std::mem::replace(this, Total::Done) {
                Total::Start { voice, count } => {
                    voice.say("starts");
                    loop_head(voice, count, 1, 0)
                }
                Total::Awaiting {
                    voice,
                    count,
                    i,
                    sum,
                    mut fut,
                } => match Pin::new(&mut fut).poll(cx) {
                    // Not there yet: stay paused here, and say so upwards.
                    Poll::Pending => {
                        *this = Total::Awaiting {
                            voice,
                            count,
                            i,
                            sum,
                            fut,
                        };
                        return Poll::Pending;
                    }
                    Poll::Ready(n) => {
                        let sum = sum + n;
                        voice.say(format!("got {n}, sum {sum}"));
                        loop_head(voice, count, i + 1, sum)
                    }
                },
                Total::Done => panic!("`Total` polled after it completed"),
            };
            match next {
                // A new `.await`: go round and poll its future at once, as
                // `.await` does.
                ControlFlow::Continue(state) => *this = state,
                ControlFlow::Break(sum) => return Poll::Ready(sum),
            }
        }
    }
}

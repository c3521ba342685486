// Exercise 13-1: an async fn's state machine, by hand. See README.md.
use std::future::Future;
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
    // Your variants: one for "made, not polled yet", one for each `.await`,
    // and one for "returned". Each holds the locals alive at that point.
    Todo,
}

impl Total {
    /// What calling `total(voice, count)` returns: nothing has run yet.
    pub fn new(voice: Voice, count: u32) -> Total {
        todo!("the state before the first poll")
    }
}

impl Future for Total {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        todo!("run from where it is paused to the next `.await` that is pending, or to the end")
    }
}

//! A producer and a slow consumer over a bounded channel: backpressure
//! (chapter 17).
//!
//! The producer could make its items at once; the consumer needs
//! [`PACE`] for each. With an unbounded queue the producer would finish
//! at once and the queue would hold everything the consumer has not got to
//! yet: memory that a slow enough consumer lets grow without limit. With
//! `mpsc::channel(2)`, a send to a full channel *waits*, and the producer
//! runs at the consumer's pace: that wait is the backpressure.
//!
//! Each send first tries `try_send`, only so that the timeline can say
//! which sends found the channel full; a full one then waits in `send`.
//! When the producer is done it drops its `Sender`, and the consumer,
//! having drained the queue, sees `None`: the end.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::sync::StreamExt;
use ghetto_loop::sync::mpsc::{self, TrySendError};
use ghetto_loop::task;
use ghetto_loop::time::sleep;

use crate::Diary;

/// Room in the demo's channel.
pub const CAPACITY: usize = 2;

/// How many items the demo's producer sends.
pub const ITEMS: u32 = 6;

/// How long the consumer works on each item.
pub const PACE: Duration = Duration::from_millis(100);

/// What [`produce_consume`] saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flow {
    /// Items whose send found the channel full and had to wait, with the
    /// loop time (ms) at which each was finally queued.
    pub waited: Vec<(u32, u128)>,
    /// Items in the order the consumer got them.
    pub received: Vec<u32>,
    /// When (ms) the producer had sent its last item and dropped its sender.
    pub producer_done: u128,
    /// When (ms) the consumer saw the end.
    pub end_seen: u128,
}

/// Sends `items` numbers through `mpsc::channel(capacity)` to a consumer
/// that spends `pace` on each.
pub async fn produce_consume(diary: &Diary, items: u32, capacity: usize, pace: Duration) -> Flow {
    let (tx, mut rx) = mpsc::channel(capacity);
    let flow = Rc::new(RefCell::new(Flow::default()));
    diary.log(
        "channel",
        format!(
            "mpsc::channel({capacity}); the consumer takes {} ms per item",
            pace.as_millis()
        ),
    );
    let producer = {
        let (diary, flow) = (diary.clone(), flow.clone());
        task::spawn(async move {
            for item in 0..items {
                match tx.try_send(item) {
                    Ok(()) => diary.log("producer", format!("sent {item}: there was room")),
                    Err(TrySendError::Full(item)) => {
                        diary.log(
                            "producer",
                            format!("channel full ({capacity} queued): send({item}) waits"),
                        );
                        if tx.send(item).await.is_err() {
                            return;
                        }
                        let at = diary.now().as_millis();
                        flow.borrow_mut().waited.push((item, at));
                        diary.log("producer", format!("sent {item}: a slot came free"));
                    }
                    Err(TrySendError::Closed(_)) => return,
                }
            }
            flow.borrow_mut().producer_done = diary.now().as_millis();
            diary.log("producer", "all sent; drops its sender");
            // `tx` is dropped here: the receiver will see the end once it
            // has drained the queue.
        })
    };
    // The receiver is a stream: `while let Some(x) = rx.next().await` is
    // Python's `async for x in queue`.
    while let Some(item) = rx.next().await {
        flow.borrow_mut().received.push(item);
        diary.log("consumer", format!("got {item}; works on it"));
        sleep(pace).await;
    }
    flow.borrow_mut().end_seen = diary.now().as_millis();
    diary.log(
        "consumer",
        "next() gave None: every sender is gone, the queue is empty",
    );
    producer.await.expect("the producer never panics");
    flow.borrow().clone()
}

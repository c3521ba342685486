// Exercise 18-1: a task group of your own. See README.md.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use ghetto_loop::task::{self, JoinHandle};

/// What a child returns: `Err` with a message when it fails.
pub type ChildResult = Result<(), String>;

/// A group of named child tasks that [`wait`](MiniGroup::wait) waits for.
#[derive(Debug, Default)]
pub struct MiniGroup {
    /// Every child not yet seen to finish, with its name.
    children: Vec<(String, JoinHandle<ChildResult>)>,
}

impl MiniGroup {
    /// An empty group.
    pub fn new() -> MiniGroup {
        MiniGroup::default()
    }

    /// Spawns `child` as a task on the running loop, called `name`.
    pub fn spawn<F>(&mut self, name: impl Into<String>, child: F)
    where
        F: Future<Output = ChildResult> + 'static,
    {
        self.children.push((name.into(), task::spawn(child)));
    }

    /// Waits until every child is over. On the first error, aborts every
    /// other child, waits for them to be gone too, and returns that error
    /// as `"name: error"`.
    pub async fn wait(mut self) -> ChildResult {
        let mut first_error = None;
        poll_fn(|cx| {
            // Poll every handle, not just the first: any child may be the
            // one that fails first.
            self.children
                .retain_mut(|(name, handle)| match Pin::new(handle).poll(cx) {
                    Poll::Pending => true,
                    Poll::Ready(Ok(Ok(()))) => false,
                    Poll::Ready(Ok(Err(error))) => {
                        first_error.get_or_insert(format!("{name}: {error}"));
                        false
                    }
                    // Aborted by us: not an error of its own.
                    Poll::Ready(Err(e)) if e.is_cancelled() => false,
                    Poll::Ready(Err(_)) => {
                        first_error.get_or_insert(format!("{name}: panicked"));
                        false
                    }
                });
            if first_error.is_some() {
                // Aborting twice is harmless, so every poll may do it.
                for (_, handle) in &self.children {
                    handle.abort();
                }
            }
            // Aborted children stay until their handles say they are gone:
            // when `wait` returns, their destructors have run.
            if self.children.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
        first_error.map_or(Ok(()), Err)
    }
}

impl Drop for MiniGroup {
    /// A group dropped before its children were over (its `wait` cancelled
    /// by a timeout, say) aborts them: no child outlives its group.
    fn drop(&mut self) {
        for (_, handle) in &self.children {
            handle.abort();
        }
    }
}

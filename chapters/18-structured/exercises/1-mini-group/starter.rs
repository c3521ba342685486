// Exercise 18-1: a task group of your own. See README.md.

use std::future::Future;

// What you need, imported for you (unused until you use it).
#[allow(unused_imports)]
use std::future::poll_fn;
#[allow(unused_imports)]
use std::pin::Pin;
#[allow(unused_imports)]
use std::task::Poll;

#[allow(unused_imports)]
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
        todo!("an empty group")
    }

    /// Spawns `child` as a task on the running loop, called `name`.
    pub fn spawn<F>(&mut self, name: impl Into<String>, child: F)
    where
        F: Future<Output = ChildResult> + 'static,
    {
        todo!("spawn the child and keep its handle, with its name")
    }

    /// Waits until every child is over. On the first error, aborts every
    /// other child, waits for them to be gone too, and returns that error
    /// as `"name: error"`.
    pub async fn wait(self) -> ChildResult {
        todo!("poll every handle from one poll_fn until none is left")
    }
}

impl Drop for MiniGroup {
    /// A group dropped before its children were over (its `wait` cancelled
    /// by a timeout, say) aborts them: no child outlives its group.
    fn drop(&mut self) {
        // Your code here.
    }
}

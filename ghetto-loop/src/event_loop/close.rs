//! Closing the loop: what happens when its `EventLoop` is dropped
//! (chapter 11).
//!
//! Callbacks capture `LoopHandle`s (`Rc`s), and the loop holds the
//! callbacks: the loop and its callbacks point at each other, and Rust has no
//! garbage collector to find such a cycle. So the owner breaks it: dropping
//! the `EventLoop` closes the loop, which drops every queued callback,
//! reader, writer and timer, and the selector with its fds. Handles that
//! outlive it see a closed loop, which runs nothing.
//!
//! Some cycles do not go through the loop at all: a transport and its
//! protocol point at each other (chapter 12). Their owner registers a close
//! hook, which the loop runs when it closes.

use super::loop_handle::LoopHandle;

impl LoopHandle {
    /// Runs `hook` when the loop closes, unless the key is passed to
    /// [`cancel_on_close`](LoopHandle::cancel_on_close) first. On a closed
    /// loop it runs at once.
    ///
    /// Why this exists: a transport and its protocol point at each other
    /// (`Rc` both ways), and Rust has no garbage collector to find such a
    /// cycle. A connection breaks it in `connection_lost`; a loop dropped
    /// while connections are still open breaks it through this hook.
    pub(crate) fn on_close(&self, hook: Box<dyn FnOnce()>) -> u64 {
        if self.is_closed() {
            hook();
            return u64::MAX;
        }
        let key = self.inner.next_close_hook.get();
        self.inner.next_close_hook.set(key + 1);
        self.inner.close_hooks.borrow_mut().insert(key, hook);
        key
    }

    /// Forgets a close hook (dropping it, outside any borrow).
    pub(crate) fn cancel_on_close(&self, key: u64) {
        let hook = self.inner.close_hooks.borrow_mut().remove(&key);
        drop(hook);
    }

    /// Closes the loop: runs the close hooks, drops every callback, timer
    /// and queued entry, and the selector (closing its fds). Idempotent.
    pub(crate) fn close(&self) {
        let inner = &self.inner;
        if inner.closed.replace(true) {
            return;
        }
        drop(inner.remote.close());
        inner.door.close();
        let hooks = std::mem::take(&mut *inner.close_hooks.borrow_mut());
        for (_, hook) in hooks {
            hook();
        }
        let (ready, timers, io, tasks, selector) = {
            let mut state = inner.state.borrow_mut();
            (
                std::mem::take(&mut state.ready),
                state.timers.take_all(),
                state.io.take_all(),
                state.tasks.take_all(),
                state.selector.take(),
            )
        };
        // A task still alive drops its future now, even if a `JoinHandle`
        // keeps the task itself: its destructors run, and whatever it held
        // (sockets, handles to this loop) goes with it.
        for task in &tasks {
            task.shut_down();
        }
        drop(tasks);
        // Cancel rather than just drop: a handle the program still holds
        // would otherwise keep its callback (and what it captured) alive.
        for timer in timers {
            timer.cancel();
        }
        let (handles, sockets) = io;
        for handle in handles {
            handle.cancel();
        }
        drop(sockets);
        drop(ready);
        drop(selector);
        // A handler or observer that captured a LoopHandle would keep the
        // loop alive through a cycle; later reports go to stderr.
        drop(inner.instruments.pass_observer.take());
        inner.instruments.observed.set(false);
        drop(inner.instruments.report_handler.take());
        self.finish_trace();
    }
}

//! The loop's side of tasks: a table of tasks by key, and the one path every
//! `std::task::Waker` of a task takes (chapter 14).
//!
//! A task (`crate::task`) is a future plus its place in the ready queue: an
//! `Rc<dyn Runnable>` that is queued again each time it is woken. The loop
//! keeps every live task in a [`TaskTable`], a slab indexed by [`TaskKey`].
//! The table holds the only reference to a parked task that nothing else
//! owns, which is what lets a closing loop drop every future it still has.
//!
//! # The waker
//!
//! A `Waker` must be `Send + Sync`: any thread may hold one and call it. A
//! task is an `Rc` and is neither, so the waker does not hold the task. It
//! holds the task's key and an `Arc` of the loop's [`Door`], the thread-safe
//! part of the loop. Waking does one of two things (smol v0.1's
//! `thread_local.rs` makes the same split):
//!
//! * **on the loop's own thread, while it runs**: find the task by key and
//!   push it on the ready queue. No lock, no system call, no allocation;
//! * **anywhere else** (another thread, or this one while the loop's state is
//!   busy): push the key on the door's list and ring the door's
//!   [`Doorbell`] (an eventfd) so the loop wakes; the loop moves the key to
//!   the ready queue after its next wait.
//!
//! A task woken many times before it runs is queued once (`queued` below).
//! A key whose task has finished or been aborted finds an empty slot, or one
//! of a later generation, and the wake does nothing.
//!
//! Production runtimes put the header, the future and the waker in one
//! allocation and write the waker's vtable by hand (async-task, tokio).
//! Here the waker is `std::task::Wake` on an `Arc`, safe code, allocated
//! once per table slot and reused while no one else holds it.

use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::task::{Wake, Waker};

use super::loop_handle::LoopHandle;
use super::ready::Runnable;
use crate::sys::Doorbell;

/// Where a task sits in its loop's table: a slot and the slot's generation,
/// so a key outlives its task without ever finding the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskKey {
    slot: u32,
    generation: u32,
}

impl TaskKey {
    /// The key of a task that never got a slot (spawned on a closed loop).
    pub(crate) const NONE: TaskKey = TaskKey {
        slot: u32::MAX,
        generation: u32::MAX,
    };
}

/// Every live task of one loop, by key.
#[derive(Default)]
pub(crate) struct TaskTable {
    /// Invariant: `slots[k.slot].generation == k.generation` and `task` is
    /// `Some` exactly while the task keyed `k` is alive.
    slots: Vec<Slot>,
    /// Indexes of empty slots, reused before the table grows.
    free: Vec<u32>,
    /// How many slots hold a task.
    len: usize,
}

/// One slot of the table.
#[derive(Default)]
struct Slot {
    /// Bumped each time the slot is emptied.
    generation: u32,
    /// The task, while it lives.
    task: Option<Entry>,
    /// The waker of this slot's last task, kept for the next one when no one
    /// else held a clone of it.
    spare: Option<Arc<TaskWaker>>,
}

/// A live task.
struct Entry {
    /// What the ready queue runs.
    runnable: Rc<dyn Runnable>,
    /// Its waker. The table holds one reference; any other is a clone held
    /// by whatever the task waits for.
    waker: Arc<TaskWaker>,
    /// In the ready queue and not yet run: a second wake-up adds nothing.
    queued: bool,
}

/// The thread-safe part of a loop that task wakers hold: keys woken from
/// elsewhere, and the doorbell that wakes the loop's selector.
pub(crate) struct Door {
    state: Mutex<DoorState>,
    /// Whether `woken` may hold a key: set under the lock with each push,
    /// cleared under it by the drain. The loop reads it before every drain,
    /// so that a pass with no wake-up from elsewhere takes no lock.
    pending: AtomicBool,
    /// Rings the selector out of its wait; `None` once the loop is closed,
    /// so a waker that outlives its loop (in another thread, say) does not
    /// keep the loop's eventfd open. Behind a lock of its own, which a
    /// ring holds for reading: the ring's system call is not made under
    /// `state`'s lock, which the loop takes to drain the list the moment
    /// the ring wakes it (and would sleep on a futex to get), yet `close`
    /// still waits for a ring in progress before it lets the eventfd go.
    doorbell: RwLock<Option<Doorbell>>,
}

/// The door's state, under its mutex.
struct DoorState {
    /// Keys woken away from the loop's thread, not yet queued.
    woken: Vec<TaskKey>,
    /// The loop is closed: later wake-ups are ignored.
    closed: bool,
}

/// A task's waker: its key and the door of its loop.
pub(crate) struct TaskWaker {
    key: TaskKey,
    door: Arc<Door>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let done_here = LoopHandle::with_running(|running| match running {
            Some(lp) if Arc::ptr_eq(&lp.inner.door, &self.door) => lp.try_wake_here(self.key),
            _ => false,
        });
        if !done_here {
            self.door.push(self.key);
        }
    }
}

impl TaskTable {
    /// Adds the task `make` builds from its key, queued to run on the next
    /// pass (pushed on `ready`).
    pub(crate) fn insert<R: Runnable + 'static>(
        &mut self,
        door: &Arc<Door>,
        ready: &mut VecDeque<Rc<dyn Runnable>>,
        make: impl FnOnce(TaskKey) -> Rc<R>,
    ) -> Rc<R> {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot::default());
            (self.slots.len() - 1) as u32
        });
        let entry = &mut self.slots[slot as usize];
        let key = TaskKey {
            slot,
            generation: entry.generation,
        };
        // The spare is reused only while unique (`get_mut`), so no clone of
        // it anywhere can see its key change.
        let spare = entry.spare.take().and_then(|mut spare| {
            Arc::get_mut(&mut spare)?.key = key;
            Some(spare)
        });
        let waker = spare.unwrap_or_else(|| {
            Arc::new(TaskWaker {
                key,
                door: door.clone(),
            })
        });
        let task = make(key);
        ready.push_back(task.clone());
        entry.task = Some(Entry {
            runnable: task.clone(),
            waker,
            queued: true,
        });
        self.len += 1;
        task
    }

    /// Queues the task keyed `key`, unless it is queued already or gone.
    pub(crate) fn wake(&mut self, key: TaskKey, ready: &mut VecDeque<Rc<dyn Runnable>>) {
        if let Some(entry) = self.get_mut(key)
            && !entry.queued
        {
            entry.queued = true;
            ready.push_back(entry.runnable.clone());
        }
    }

    /// The task is about to be polled: a wake-up from now on queues it
    /// again. Returns its waker, or `None` if the task is gone.
    pub(crate) fn begin_poll(&mut self, key: TaskKey) -> Option<Waker> {
        let entry = self.get_mut(key)?;
        entry.queued = false;
        Some(Waker::from(entry.waker.clone()))
    }

    /// Removes the task keyed `key`; returns it for the caller to drop
    /// outside any borrow of the loop.
    pub(crate) fn remove(&mut self, key: TaskKey) -> Option<Rc<dyn Runnable>> {
        let slot = self.slots.get_mut(key.slot as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        let entry = slot.task.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        if Arc::strong_count(&entry.waker) == 1 {
            slot.spare = Some(entry.waker);
        }
        self.free.push(key.slot);
        self.len -= 1;
        Some(entry.runnable)
    }

    /// Whether no waker of a live task is held by anyone but this table: then
    /// nothing can ever wake a parked task, and a loop with nothing else to
    /// do would wait forever. The converse does not hold: a waker kept where
    /// nothing will ever call it (say, inside the parked future itself)
    /// counts as held, and the loop then sleeps, as tokio's would.
    pub(crate) fn no_waker_is_held(&self) -> bool {
        self.slots
            .iter()
            .filter_map(|s| s.task.as_ref())
            .all(|e| e.queued || Arc::strong_count(&e.waker) == 1)
    }

    /// How many tasks are alive.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Empties the table (the loop is closing); the caller drops the tasks
    /// outside any borrow of the loop.
    pub(crate) fn take_all(&mut self) -> Vec<Rc<dyn Runnable>> {
        self.len = 0;
        self.free.clear();
        self.slots
            .drain(..)
            .filter_map(|s| s.task)
            .map(|e| e.runnable)
            .collect()
    }

    fn get_mut(&mut self, key: TaskKey) -> Option<&mut Entry> {
        let slot = self.slots.get_mut(key.slot as usize)?;
        if slot.generation == key.generation {
            slot.task.as_mut()
        } else {
            None
        }
    }
}

impl Door {
    pub(crate) fn new(doorbell: Doorbell) -> Arc<Door> {
        Arc::new(Door {
            state: Mutex::new(DoorState {
                woken: Vec::new(),
                closed: false,
            }),
            pending: AtomicBool::new(false),
            doorbell: RwLock::new(Some(doorbell)),
        })
    }

    /// Wakes `key` from anywhere: list it, and ring the doorbell if the list
    /// was empty (a non-empty list has a ring on its way already). A closed
    /// door ignores it.
    fn push(&self, key: TaskKey) {
        let first = {
            let mut state = self.lock();
            if state.closed {
                return;
            }
            let first = state.woken.is_empty();
            state.woken.push(key);
            self.pending.store(true, Ordering::Release);
            first
        };
        if first {
            // The key is listed before the ring, so the loop that wakes up
            // finds it. A loop closed meanwhile has taken the doorbell: no
            // ring then. An eventfd write never blocks and fails only if
            // the counter is full, when the loop is due to wake anyway
            // (`Doorbell::ring`).
            let doorbell = self.doorbell.read().unwrap_or_else(|p| p.into_inner());
            if let Some(doorbell) = &*doorbell {
                let _ = doorbell.ring();
            }
        }
    }

    /// Queues every task woken from elsewhere; returns how many keys came.
    pub(crate) fn drain_into(
        &self,
        tasks: &mut TaskTable,
        ready: &mut VecDeque<Rc<dyn Runnable>>,
    ) -> usize {
        // A push this misses rings the doorbell after it, so the next pass
        // sees it.
        if !self.pending.load(Ordering::Acquire) {
            return 0;
        }
        let mut state = self.lock();
        self.pending.store(false, Ordering::Relaxed);
        let count = state.woken.len();
        for key in state.woken.drain(..) {
            tasks.wake(key, ready);
        }
        count
    }

    /// Whether no key waits to be queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().woken.is_empty()
    }

    /// Ignores every later wake-up, and lets go of the doorbell.
    pub(crate) fn close(&self) {
        {
            let mut state = self.lock();
            state.woken.clear();
            state.closed = true;
        }
        // Waits for a ring in progress, which holds the read lock: once
        // this returns, no thread touches the loop's eventfd.
        let doorbell = self
            .doorbell
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        drop(doorbell);
    }

    fn lock(&self) -> MutexGuard<'_, DoorState> {
        // A push either happened or not; a poisoned state is still valid.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl LoopHandle {
    /// Wakes `key` on the loop's own thread, if the loop's state is free
    /// (it is, unless a waker is called from deep inside the loop itself);
    /// returns whether it did.
    pub(crate) fn try_wake_here(&self, key: TaskKey) -> bool {
        let Ok(mut state) = self.inner.state.try_borrow_mut() else {
            return false;
        };
        let state = &mut *state;
        state.tasks.wake(key, &mut state.ready);
        true
    }

    /// Adds a task to the table and queues it; `None` if the loop is closed.
    pub(crate) fn insert_task<R: Runnable + 'static>(
        &self,
        make: impl FnOnce(TaskKey) -> Rc<R>,
    ) -> Option<Rc<R>> {
        if self.is_closed() {
            return None;
        }
        let mut state = self.inner.state.borrow_mut();
        let state = &mut *state;
        Some(state.tasks.insert(&self.inner.door, &mut state.ready, make))
    }

    /// Queues the task keyed `key` (from the loop's thread).
    pub(crate) fn wake_task(&self, key: TaskKey) {
        let state = &mut *self.inner.state.borrow_mut();
        state.tasks.wake(key, &mut state.ready);
    }

    /// See [`TaskTable::begin_poll`].
    pub(crate) fn begin_poll(&self, key: TaskKey) -> Option<Waker> {
        self.inner.state.borrow_mut().tasks.begin_poll(key)
    }

    /// Removes a finished task from the table. The table's reference is
    /// dropped here, after the borrow.
    pub(crate) fn remove_task(&self, key: TaskKey) {
        let removed = self.inner.state.borrow_mut().tasks.remove(key);
        drop(removed);
    }
}

impl fmt::Debug for TaskTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskTable")
            .field("tasks", &self.len)
            .finish()
    }
}

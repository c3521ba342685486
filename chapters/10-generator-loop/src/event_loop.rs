//! The loop: resume the tasks whose sockets are ready, wait for the next
//! ones, repeat (chapter 10).
//!
//! The Python this stands for:
//!
//! ```python
//! def run(tasks):
//!     ready, waiting = list(tasks), {}
//!     while ready or waiting:
//!         for task in ready:
//!             sock, interest = next(task)       # StopIteration: it is done
//!             waiting[sock] = task
//!             selector.register(sock, interest)
//!         ready = []
//!         for sock in selector.select():        # block until one is ready
//!             selector.unregister(sock)
//!             ready.append(waiting.pop(sock))
//! ```
//!
//! This is an async server with everything visible: tasks say what they wait
//! for, the loop asks the kernel (chapter 06's selectors), and nothing but
//! [`Selector::wait`] ever blocks.
//!
//! One refinement over the Python: registering and unregistering at every
//! wait costs two system calls per wake-up, so [`Loop`] keeps a task's
//! socket registered from one wait to the next and touches the registration
//! only when the task asks for something else (`modify`) or completes
//! (`deregister`).
//!
//! Simplifications, named: a task's result and error go nowhere but a log
//! line (chapter 14's `JoinHandle` hands them to whoever waits); there are no
//! timers, so no task can wait "for 5 seconds or until readable" (chapter 11);
//! and nothing can cancel a task from outside, except dropping the whole loop
//! (chapter 18).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ch08_generators::GeneratorState;
use course::Timeline;
use ghetto_loop::sys::{Doorbell, Event, Interest, Selector, Socket, Token};

use crate::task::{Call, Task};

/// Tasks, the selector that watches their sockets, and the loop that runs
/// them.
///
/// ```
/// use std::io::{Read, Write};
/// use ch08_generators::{Generator, GeneratorState, yield_from};
/// use ch10_generator_loop::{Call, Loop, io::{Accept, accept}};
/// use ghetto_loop::sys::{SelectorKind, Socket};
///
/// /// Accepts one client, says hello, and completes.
/// struct Hello(Accept);
/// impl Generator for Hello {
///     type Yield = Call;
///     type Return = std::io::Result<()>;
///     fn resume(&mut self, (): ()) -> GeneratorState<Call, std::io::Result<()>> {
///         let result = yield_from!(self.0, ())
///             .and_then(|(conn, _)| (&conn).write_all(b"hello\n"));
///         GeneratorState::Complete(result)
///     }
/// }
///
/// let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 8)?;
/// let addr = listener.local_addr()?;
/// listener.set_nonblocking(true)?;
/// let client = std::thread::spawn(move || -> std::io::Result<String> {
///     let mut reply = String::new();
///     std::net::TcpStream::connect(addr)?.read_to_string(&mut reply)?;
///     Ok(reply)
/// });
/// let mut event_loop = Loop::new(SelectorKind::Epoll.open()?);
/// event_loop.spawn("hello", Box::new(Hello(accept(&std::rc::Rc::new(listener)))));
/// event_loop.run()?; // returns when the task has completed
/// assert_eq!(client.join().unwrap()?, "hello\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Loop {
    /// Watches the sockets the tasks wait on.
    selector: Box<dyn Selector>,
    /// Every task that has not completed, by id. The id is also the token
    /// its socket is registered with.
    tasks: HashMap<usize, Entry>,
    /// Ids of the tasks to resume next, in order.
    ready: VecDeque<usize>,
    /// The next task id.
    next_id: usize,
    /// The selector fills this on each wait (kept to reuse its allocation).
    events: Vec<Event>,
    /// Set by a [`Stopper`]: `run` returns at its next pass.
    stop: Arc<AtomicBool>,
    /// Where to tell what happens; `None`: failures go to stderr.
    timeline: Option<Timeline>,
    /// Counters, for the demo's conclusion.
    stats: Stats,
}

/// One task and what it waits for.
struct Entry {
    /// For messages.
    name: String,
    /// The generator.
    task: Task,
    /// The socket registered with the selector for this task, and for
    /// what. The loop's clone of the `Rc` keeps the fd open until it is
    /// deregistered, even if the task drops its own.
    watching: Option<(Rc<Socket>, Interest)>,
    /// Whether the task is parked until its socket is ready (`false` while
    /// it is in the ready queue). An event for a task that is not parked is
    /// ignored.
    parked: bool,
    /// Whether the timeline has been told that this task waited for room to
    /// write (once per task is enough to see it happen).
    told_full: bool,
}

/// What the loop has done so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Tasks started.
    pub spawned: u64,
    /// Tasks that completed with an error.
    pub failed: u64,
    /// Calls to `resume`.
    pub resumes: u64,
    /// Waits in the selector.
    pub waits: u64,
    /// The most tasks alive at once.
    pub peak_tasks: usize,
}

/// Stops a [`Loop`] from another thread: `run` returns soon after.
#[derive(Debug, Clone)]
pub struct Stopper {
    stop: Arc<AtomicBool>,
    doorbell: Doorbell,
}

impl Stopper {
    /// Asks the loop to stop, and wakes it if it is waiting.
    pub fn stop(&self) -> io::Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        self.doorbell.ring()
    }
}

impl Loop {
    /// A loop with no tasks, on `selector`.
    pub fn new(selector: Box<dyn Selector>) -> Loop {
        Loop {
            selector,
            tasks: HashMap::new(),
            ready: VecDeque::new(),
            next_id: 0,
            events: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            timeline: None,
            stats: Stats::default(),
        }
    }

    /// Logs what the loop does to `timeline` instead of only failures to
    /// stderr.
    pub fn with_timeline(mut self, timeline: Timeline) -> Loop {
        self.timeline = Some(timeline);
        self
    }

    /// The selector's name (`epoll`, `poll` or `select`).
    pub fn selector_name(&self) -> &'static str {
        self.selector.name()
    }

    /// A handle that stops [`Loop::run`] from any thread.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            stop: self.stop.clone(),
            doorbell: self.selector.doorbell(),
        }
    }

    /// What the loop has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// How many tasks have not completed.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether every task has completed.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Adds a task; it is first resumed at the loop's next pass.
    pub fn spawn(&mut self, name: impl Into<String>, task: Task) {
        let id = self.next_id;
        self.next_id += 1;
        self.stats.spawned += 1;
        self.tasks.insert(
            id,
            Entry {
                name: name.into(),
                task,
                watching: None,
                parked: false,
                told_full: false,
            },
        );
        self.ready.push_back(id);
        self.stats.peak_tasks = self.stats.peak_tasks.max(self.tasks.len());
    }

    /// Runs until every task has completed or a [`Stopper`] says stop.
    ///
    /// Errors are the selector's own (a failed `wait`); a task's error ends
    /// only that task, and is logged.
    pub fn run(&mut self) -> io::Result<()> {
        while !self.tasks.is_empty() && !self.stop.load(Ordering::SeqCst) {
            // Resume everything that is ready. Tasks that become ready
            // meanwhile (a spawned child) wait for the next round.
            for _ in 0..self.ready.len() {
                if let Some(id) = self.ready.pop_front() {
                    self.resume(id);
                }
            }
            if !self.ready.is_empty() || self.tasks.is_empty() {
                continue;
            }
            // Every task is parked: sleep in the kernel until a socket is
            // ready (or the stopper wakes us). The only place that blocks.
            self.selector.wait(&mut self.events, None)?;
            self.stats.waits += 1;
            for event in &self.events {
                if let Some(entry) = self.tasks.get_mut(&event.token.0) {
                    if entry.parked {
                        entry.parked = false;
                        self.ready.push_back(event.token.0);
                    }
                }
            }
        }
        Ok(())
    }

    /// Resumes task `id` once and files it by what it yields.
    fn resume(&mut self, id: usize) {
        let Some(entry) = self.tasks.get_mut(&id) else {
            return;
        };
        self.stats.resumes += 1;
        match entry.task.resume(()) {
            GeneratorState::Yielded(Call::Wait(socket, interest)) => {
                if let Err(e) = self.watch(id, socket, interest) {
                    // Say, an fd above select's limit: this task cannot wait,
                    // so it ends here; the others go on.
                    self.finish(id, Err(e));
                }
            }
            GeneratorState::Yielded(Call::Spawn { name, task }) => {
                self.spawn(name, task);
                self.ready.push_back(id);
            }
            GeneratorState::Complete(result) => self.finish(id, result),
        }
    }

    /// Parks task `id` until `socket` is ready for `interest`, registering,
    /// changing or keeping its registration as needed.
    fn watch(&mut self, id: usize, socket: Rc<Socket>, interest: Interest) -> io::Result<()> {
        let Some(entry) = self.tasks.get_mut(&id) else {
            return Ok(());
        };
        let token = Token(id);
        match entry.watching.take() {
            // The same socket as last time, for the same thing: nothing to do.
            Some((old, old_interest)) if Rc::ptr_eq(&old, &socket) && old_interest == interest => {}
            Some((old, _)) if Rc::ptr_eq(&old, &socket) => {
                self.selector.modify(socket.as_fd(), token, interest)?;
            }
            Some((old, _)) => {
                self.selector.deregister(old.as_fd())?;
                self.selector.register(socket.as_fd(), token, interest)?;
            }
            None => self.selector.register(socket.as_fd(), token, interest)?,
        }
        if interest == Interest::WRITABLE && !entry.told_full {
            if let Some(timeline) = &self.timeline {
                entry.told_full = true;
                timeline.log(
                    "loop",
                    format!("{}: send buffer full, parked until writable", entry.name),
                );
            }
        }
        entry.watching = Some((socket, interest));
        entry.parked = true;
        Ok(())
    }

    /// Task `id` has completed: stop watching its socket, then drop it.
    fn finish(&mut self, id: usize, result: io::Result<()>) {
        let Some(mut entry) = self.tasks.remove(&id) else {
            return;
        };
        if let Some((socket, _)) = entry.watching.take() {
            // Deregister while the loop's `Rc` still keeps the fd open; the
            // socket closes when the last clone drops, just after.
            if let Err(e) = self.selector.deregister(socket.as_fd()) {
                self.report(format!("{}: deregister failed: {e}", entry.name));
            }
        }
        match result {
            Ok(()) => {
                if let Some(timeline) = &self.timeline {
                    timeline.log("loop", format!("{}: done", entry.name));
                }
            }
            Err(e) => {
                self.stats.failed += 1;
                self.report(format!("{}: failed: {e}", entry.name));
            }
        }
    }

    /// A failure worth telling someone about.
    fn report(&self, message: String) {
        match &self.timeline {
            Some(timeline) => timeline.log("loop", message),
            None => eprintln!("{message}"),
        }
    }
}

impl Drop for Loop {
    /// Stops watching every socket before the tasks (and so the sockets)
    /// are dropped.
    fn drop(&mut self) {
        for entry in self.tasks.values_mut() {
            if let Some((socket, _)) = entry.watching.take() {
                let _ = self.selector.deregister(socket.as_fd());
            }
        }
    }
}

impl fmt::Debug for Loop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loop")
            .field("selector", &self.selector.name())
            .field("tasks", &self.tasks.len())
            .field("ready", &self.ready.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

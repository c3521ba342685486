//! Helpers for ghetto-loop's integration tests (one module, like mio's
//! `tests/util`): connected socket pairs, bounded waits, fd counts, and a
//! thread that pesters another with signals, and the `conformance!` macro
//! that turns one rule into a test per selector with an fd-leak check.
#![allow(dead_code)] // each test binary uses its own subset

use std::io;
use std::os::unix::net::UnixStream;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ghetto_loop::sys::{Event, Selector, SelectorKind, Socket, Token};
use nix::sys::pthread::{pthread_kill, pthread_self};
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

/// A connected TCP pair over loopback: `(client, server_side)`, both blocking.
pub fn tcp_pair() -> io::Result<(Socket, Socket)> {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 8)?;
    let client = Socket::connect(listener.local_addr()?)?;
    let (server_side, _) = listener.accept()?;
    Ok((client, server_side))
}

/// `n` connected Unix socket pairs: the cheapest way to hold many fds.
pub fn unix_pairs(n: usize) -> io::Result<Vec<(UnixStream, UnixStream)>> {
    (0..n).map(|_| UnixStream::pair()).collect()
}

/// Waits (up to [`PATIENCE`]) until an event for `token` comes, and returns
/// it. Events for other tokens are skipped. Panics if none comes.
pub fn event_for(selector: &mut dyn Selector, token: Token) -> Event {
    let deadline = Instant::now() + PATIENCE;
    let mut events = Vec::new();
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        selector
            .wait(&mut events, Some(deadline - Instant::now()))
            .expect("wait");
        if let Some(event) = events.iter().find(|e| e.token == token) {
            return *event;
        }
        seen.extend(events.iter().copied());
    }
    panic!(
        "{}: no event for {token:?} within {PATIENCE:?}; saw {seen:?}",
        selector.name()
    );
}

/// One wait of `timeout`, returning what it reported.
pub fn wait_once(selector: &mut dyn Selector, timeout: Duration) -> Vec<Event> {
    let mut events = Vec::new();
    selector.wait(&mut events, Some(timeout)).expect("wait");
    events
}

/// How many fds this process has open (the course kit's count), and the
/// kit's way to run a test as the only one in its process, which makes that
/// count the test's own.
pub use course::testing::{alone, open_fds};

/// Runs `rule` on a loop of `kind`, alone in its process, and fails if it
/// left an fd open once its loop was dropped.
pub fn without_leaks(
    kind: SelectorKind,
    rule: fn(SelectorKind) -> io::Result<()>,
) -> io::Result<()> {
    alone(|| {
        let before = open_fds();
        rule(kind)?;
        assert_eq!(
            open_fds(),
            before,
            "{kind}: the rule left fds open after its loop was dropped"
        );
        Ok(())
    })
}

/// Turns one rule into a test per selector, each with an fd-leak check:
///
/// ```text
/// conformance! {
///     /// What the rule says.
///     fn rule_name(kind) { ...; Ok(()) }
/// }
/// ```
///
/// becomes `rule_name::select`, `rule_name::poll` and `rule_name::epoll`.
#[allow(unused_macros)] // the selector suites do not use it
macro_rules! conformance {
    ($( $(#[doc = $doc:literal])* fn $name:ident($kind:ident) $body:block )*) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn rule($kind: ghetto_loop::sys::SelectorKind) -> std::io::Result<()> $body

            #[test]
            fn select() -> std::io::Result<()> {
                $crate::util::without_leaks(ghetto_loop::sys::SelectorKind::Select, rule)
            }

            #[test]
            fn poll() -> std::io::Result<()> {
                $crate::util::without_leaks(ghetto_loop::sys::SelectorKind::Poll, rule)
            }

            #[test]
            fn epoll() -> std::io::Result<()> {
                $crate::util::without_leaks(ghetto_loop::sys::SelectorKind::Epoll, rule)
            }
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use conformance;

/// SIGUSR1 deliveries counted by [`count_signal`].
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_signal: std::ffi::c_int) {
    // An atomic add is async-signal-safe: no locks, no allocation.
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

/// Installs a handler for SIGUSR1 that only counts. Deliberately without
/// `SA_RESTART`: the interrupted call must see `EINTR` (which `poll`,
/// `epoll_wait` and `select` return on a handled signal whatever the flags).
fn install_signal_counter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let action = SigAction::new(
            SigHandler::Handler(count_signal),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler touches nothing but an atomic, which is
        // async-signal-safe, and it replaces the default action of
        // SIGUSR1 (terminate) that no other code of this test relies on.
        unsafe { sigaction(Signal::SIGUSR1, &action) }.expect("sigaction");
    });
}

/// Runs `f` on this thread while another thread sends this one SIGUSR1
/// every few milliseconds. Returns `f`'s result and how many signals this
/// thread handled meanwhile.
///
/// The pestering stops after [`PATIENCE`] even if `f` has not returned, so
/// a wait that restarts its full timeout on every signal fails its test
/// instead of hanging it.
pub fn under_signals<T>(f: impl FnOnce() -> T) -> (T, usize) {
    install_signal_counter();
    let target = pthread_self();
    let stop = AtomicBool::new(false);
    let before = SIGNALS.load(Ordering::SeqCst);
    let out = thread::scope(|scope| {
        scope.spawn(|| {
            let give_up = Instant::now() + PATIENCE;
            while !stop.load(Ordering::SeqCst) && Instant::now() < give_up {
                // The target outlives this thread: `scope` joins us before
                // the test thread can return, so its id stays valid.
                pthread_kill(target, Signal::SIGUSR1).expect("pthread_kill");
                // Pacing, not synchronisation: a signal every 5 ms.
                thread::sleep(Duration::from_millis(5));
            }
        });
        // Stop the pestering even if `f` panics, or the scope would wait
        // on a thread that never ends.
        struct StopOnDrop<'a>(&'a AtomicBool);
        impl Drop for StopOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let _stop = StopOnDrop(&stop);
        f()
    });
    (out, SIGNALS.load(Ordering::SeqCst) - before)
}

/// Drop counters and the counting allocator, shared with the chapters'
/// tests through the course kit. (Each test binary uses its own subset.)
#[allow(unused_imports)]
pub use course::testing::{CountingAllocator, DropGuard, Drops, allocations};

pub use course::testing::PATIENCE;

/// Collects every report of `lp`, for a test to read.
pub fn record_reports(
    lp: &ghetto_loop::event_loop::LoopHandle,
) -> std::rc::Rc<std::cell::RefCell<Vec<ghetto_loop::event_loop::Report>>> {
    let reports = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = reports.clone();
    lp.set_report_handler(move |report| sink.borrow_mut().push(report.clone()));
    reports
}

//! Helpers for the chapters' tests (one module, like mio's `tests/util`).

use std::io;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::task::Wake;
use std::time::{Duration, Instant};

/// How long a test or a demo waits for something that should happen at once:
/// an echo, a connection, a server's first line. It bounds a failing run (a
/// broken server makes it fail instead of hang); it is not a claim about
/// speed, so it is generous, for a loaded machine with two cores.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Set in the environment of the process [`alone`] starts, to the name of
/// the one test that process runs.
const ALONE_MARKER: &str = "COURSE_TEST_ALONE";

/// Runs `body`, the body of the current test, as the only test of its
/// process, so that what it counts for the whole process (open fds,
/// threads) is its own.
///
/// `cargo nextest` already gives every test a process of its own, and a
/// harness told `--test-threads=1` runs one test at a time: there `body`
/// just runs. A plain `cargo test` runs a binary's tests on threads side by
/// side, so there the test binary is started again, running this test
/// alone (`NAME --exact --test-threads=1`); its output is passed on, and
/// the test fails if that run fails. The name comes from the test's
/// thread, which the harness names after the test.
///
/// ```no_run
/// # fn serve_and_close() {}
/// #[test]
/// fn no_fd_left_behind() {
///     course::testing::alone(|| {
///         let before = course::testing::open_fds();
///         serve_and_close();
///         assert_eq!(course::testing::open_fds(), before);
///     })
/// }
/// ```
pub fn alone<T: Outcome>(body: impl FnOnce() -> T) -> T {
    let current = std::thread::current();
    let name = current.name().unwrap_or("main");
    if let Ok(marked) = std::env::var(ALONE_MARKER) {
        // The process started below: say which test really ran, so the
        // parent can tell it from a filter that matched nothing.
        println!("{ALONE_MARKER}: ran {marked}");
        return body();
    }
    if std::env::var_os("NEXTEST").is_some() || one_test_at_a_time() || name == "main" {
        return body();
    }
    let exe = std::env::current_exe().expect("the test binary knows where it is");
    let out = Command::new(&exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(ALONE_MARKER, name)
        .output()
        .unwrap_or_else(|e| panic!("could not start {} to run {name} alone: {e}", exe.display()));
    // Passed on through the harness's capture: shown when the test fails.
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    let ran =
        String::from_utf8_lossy(&out.stdout).contains(&format!("{ALONE_MARKER}: ran {name}\n"));
    assert!(
        ran,
        "{name} did not run in the process started to run it alone ({})",
        out.status
    );
    assert!(
        out.status.success(),
        "{name}, run alone in a process of its own, failed ({})",
        out.status
    );
    T::passed()
}

/// Runs a test body whose client side talks to the code under test on
/// another thread. When that code panics, the client's next call fails
/// (reset, broken pipe), and the test would end on that error, printed
/// after the panic as if it were the news. Here, when the body fails and a
/// panic happened meanwhile, the test fails on the panic instead: its
/// message, printed above, is the one to read.
///
/// ```
/// let result: std::io::Result<()> = course::testing::panics_first(|| Ok(()));
/// assert!(result.is_ok());
/// ```
#[track_caller]
pub fn panics_first<T, E>(body: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    count_panics();
    let before = PANICS.load(Ordering::SeqCst);
    let result = body();
    // The panic hook runs before the panicking thread unwinds and drops
    // its sockets, so a panic that caused the body's error is counted by
    // the time the error comes back.
    if result.is_err() && PANICS.load(Ordering::SeqCst) > before {
        panic!(
            "the code under test panicked (its message is above); the error the test saw next is left out"
        );
    }
    result
}

/// Panics in this process so far, counted by the hook [`count_panics`]
/// installs.
static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Installs, once, a panic hook that counts every panic and then does what
/// the hook before it did (print the message).
fn count_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

/// What a test body returns: `()` or a `Result`. [`alone`] gives back
/// [`passed`](Outcome::passed) when the body ran, and passed, elsewhere.
pub trait Outcome {
    /// The value of a body that passed.
    fn passed() -> Self;
}

impl Outcome for () {
    fn passed() {}
}

impl<E> Outcome for Result<(), E> {
    fn passed() -> Self {
        Ok(())
    }
}

/// Whether the harness runs one test at a time (`--test-threads=1` or
/// `RUST_TEST_THREADS=1`), as valgrind.sh asks: every test is then alone
/// while it runs, and starting another process would leave valgrind behind.
fn one_test_at_a_time() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let flag = args.iter().any(|a| a == "--test-threads=1")
        || args
            .windows(2)
            .any(|w| w[0] == "--test-threads" && w[1] == "1");
    flag || std::env::var("RUST_TEST_THREADS").as_deref() == Ok("1")
}

/// How many file descriptors this process has open right now.
///
/// Tests count before and after to prove nothing leaked. Wrap such a test
/// in [`alone`], or other tests' sockets will be counted too.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| dir.count())
        .unwrap_or(0)
}

/// Polls `condition` every millisecond until it holds or `limit` passes.
/// Returns whether it held. The limit is generous by design: it bounds a
/// failing test, it is not a claim about speed.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    condition()
}

/// Reads the soft limit on open files (`RLIMIT_NOFILE`) from /proc.
pub fn fd_limit() -> io::Result<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits")?;
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "no 'Max open files' line in /proc/self/limits",
            )
        })
}

/// Resident set size of process `pid` in bytes, from `/proc/PID/status`.
pub fn rss_bytes(pid: u32) -> io::Result<u64> {
    status_field(pid, "VmRSS:").map(|kib| kib * 1024)
}

/// Number of threads of process `pid`, from `/proc/PID/status`.
pub fn thread_count(pid: u32) -> io::Result<u64> {
    status_field(pid, "Threads:")
}

fn status_field(pid: u32, field: &str) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("no {field} in /proc/{pid}/status"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_move_with_reality() {
        let before = open_fds();
        let f = std::fs::File::open("/proc/self/status").unwrap();
        assert_eq!(open_fds(), before + 1);
        drop(f);
        assert_eq!(open_fds(), before);
        assert!(rss_bytes(std::process::id()).unwrap() > 0);
        assert!(thread_count(std::process::id()).unwrap() >= 1);
        assert!(fd_limit().unwrap() > 0);
    }

    /// The other tests of this binary run beside this one under a plain
    /// `cargo test`, each on a thread of its own; alone, the process holds
    /// the harness's thread and this test's, and none of their fds.
    #[test]
    fn alone_gives_a_test_a_process_of_its_own() {
        alone(|| {
            let threads = thread_count(std::process::id()).unwrap();
            assert!(threads <= 2, "{threads} threads: other tests run here too");
            let before = open_fds();
            let f = std::fs::File::open("/proc/self/status").unwrap();
            assert_eq!(open_fds(), before + 1);
            drop(f);
            assert_eq!(open_fds(), before);
        });
    }
}

/// Counts drops: a test hands a [`DropGuard`] to a future, a task or a
/// callback, and proves with [`count`](Drops::count) that it was dropped
/// (cancelled, closed, cleaned up). Clones share one count.
#[derive(Debug, Clone, Default)]
pub struct Drops(std::rc::Rc<std::cell::Cell<u32>>);

/// Adds one to its [`Drops`] when dropped.
#[derive(Debug)]
pub struct DropGuard(std::rc::Rc<std::cell::Cell<u32>>);

impl Drops {
    /// A new guard counted here.
    pub fn guard(&self) -> DropGuard {
        DropGuard(self.0.clone())
    }

    /// How many guards were dropped so far.
    pub fn count(&self) -> u32 {
        self.0.get()
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// Counts this thread's allocations, to check "no allocation per
/// wake-up". A test binary installs it with
/// `#[global_allocator] static A: CountingAllocator = CountingAllocator;`
/// and reads [`allocations`] before and after. The count is per thread, so
/// tests that `cargo test` runs beside it on other threads do not disturb
/// it.
#[derive(Debug)]
pub struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counter is a const-initialised thread-local `Cell`, which never allocates.
unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // `try_with`: a thread being torn down has no counter left.
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as for `alloc`.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

/// Allocations made by this thread so far (with [`CountingAllocator`]
/// installed; 0 otherwise).
pub fn allocations() -> u64 {
    ALLOCATIONS.with(std::cell::Cell::get)
}

/// A waker that counts its wake-ups, for tests that poll a future by hand
/// and ask who was woken, and how often.
///
/// ```
/// use std::sync::Arc;
/// use std::task::Waker;
/// let count = Arc::new(course::testing::WakeCount::default());
/// let waker = Waker::from(count.clone());
/// waker.wake_by_ref();
/// assert_eq!(count.woken(), 1);
/// ```
#[derive(Debug, Default)]
pub struct WakeCount(AtomicUsize);

impl WakeCount {
    /// How many times it was woken.
    pub fn woken(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for WakeCount {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

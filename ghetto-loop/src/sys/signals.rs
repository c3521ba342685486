//! Signal masks (chapter 19; chapter 20 adds signalfd and the self-pipe).

use std::io;
use std::mem;

/// Blocks every signal in the calling thread: they are delivered to some
/// other thread of the process instead (or, for one blocked everywhere, to
/// a `signalfd`). Pool threads do this when they start.
pub fn block_all_signals() -> io::Result<()> {
    // SAFETY: sigset_t is plain old data; sigfillset initialises it.
    let mut all: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: `all` is a valid sigset_t to fill.
    crate::syscall!(sigfillset(&mut all))?;
    // SAFETY: `all` is initialised; a null old-set pointer is allowed.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &all, std::ptr::null_mut()) };
    // pthread_sigmask returns the error number instead of setting errno.
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    Ok(())
}

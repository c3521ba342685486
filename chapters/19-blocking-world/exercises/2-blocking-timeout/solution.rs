// Exercise 19-2: a timeout around blocking work. See README.md.

use std::time::Duration;

use ghetto_loop::blocking::spawn_blocking;
use ghetto_loop::time::timeout;

/// Why [`timeout_blocking`] gave no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockingError {
    /// The closure panicked, with this message.
    Panicked(String),
    /// The closure was not done after this long. It runs on regardless.
    TimedOut(Duration),
}

/// Runs `f` in the pool and waits at most `limit` for its value.
///
/// A thread cannot be interrupted: when the time is up, the task stops
/// waiting, but `f` runs to its end on its pool thread, and its value is
/// dropped there.
pub async fn timeout_blocking<T, F>(limit: Duration, f: F) -> Result<T, BlockingError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match timeout(limit, spawn_blocking(f)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(join_error)) => Err(BlockingError::Panicked(
            join_error.panic_message().unwrap_or("").to_owned(),
        )),
        // Dropping the `BlockingTask` (which `timeout` did) only stops the
        // waiting; see its `# Cancel safety`.
        Err(_) => Err(BlockingError::TimedOut(limit)),
    }
}

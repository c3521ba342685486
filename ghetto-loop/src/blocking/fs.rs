//! Files, read and written in the pool (chapter 19).
//!
//! A regular file has no readiness to wait for: `select` and `poll` always
//! say "ready", and then the `read` blocks on the disk anyway; `epoll`
//! refuses regular files outright (`EPERM`). So file I/O runs on a pool
//! thread, as in tokio's `fs` and in every asyncio program that uses
//! `run_in_executor` (or aiofiles).

use std::io;
use std::path::Path;

use super::spawn_blocking;

/// Reads the whole file at `path`, on a pool thread.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(io::Error::other)?
}

/// Writes `contents` to the file at `path` (created or truncated), on a
/// pool thread.
pub async fn write(path: impl AsRef<Path>, contents: impl Into<Vec<u8>>) -> io::Result<()> {
    let (path, contents) = (path.as_ref().to_owned(), contents.into());
    spawn_blocking(move || std::fs::write(path, contents))
        .await
        .map_err(io::Error::other)?
}

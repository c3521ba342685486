//! Async TCP on the loop's reactor: `TcpListener` and `TcpStream` (chapter 15).
//!
//! These are chapter 01's [`Socket`](crate::sys::Socket), non-blocking, with
//! a [`Registration`](crate::event_loop::Registration) on the loop: every
//! call is tried first, and a task waits for the selector only when the
//! kernel says `WouldBlock`. Chapter 11's callback echo server and chapter
//! 15's async one make the same system calls; the difference is who keeps
//! the state between them (a struct of callbacks, or the `async fn`'s own
//! locals).
//!
//! ```
//! use ghetto_loop::net::{TcpListener, TcpStream};
//! use ghetto_loop::task;
//!
//! ghetto_loop::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).await?;
//!     let addr = listener.local_addr()?;
//!     let server = task::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let mut buf = [0; 64];
//!         let n = stream.read(&mut buf).await?;
//!         stream.write_all(&buf[..n]).await
//!     });
//!     let client = TcpStream::connect(addr).await?;
//!     client.write_all(b"hello").await?;
//!     let mut reply = [0; 5];
//!     client.read_exact(&mut reply).await?;
//!     assert_eq!(&reply, b"hello");
//!     server.await.unwrap()
//! })??;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Simplifications, named: one waiting task per direction (two tasks
//! reading one stream at once: only the last is woken, as in tokio); no
//! `AsyncRead`/`AsyncWrite` traits (the methods are inherent, so no crate
//! beyond `std` is needed); IP addresses only (host names arrive with the
//! thread pool of chapter 19).

mod listener;
mod stream;

pub use listener::TcpListener;
pub use stream::TcpStream;

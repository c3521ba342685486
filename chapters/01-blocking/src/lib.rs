//! Chapter 01: a blocking echo server on raw sockets.
pub mod server;

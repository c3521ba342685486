//! A client that pings an echo server on a fixed schedule and times every
//! round trip (chapter 19).
//!
//! It is a thread of its own with a blocking `std::net` socket, on purpose:
//! it stands for a client on another machine, which the server's loop
//! cannot stall. Whatever delay it measures is the server's.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// What a client sends, and expects back.
pub const PING: &[u8; 4] = b"ping";

/// Starts a client thread that pings `addr` every `period` until `stop`
/// is raised, and returns every round trip it timed, in order.
pub fn start(
    addr: SocketAddr,
    period: Duration,
    stop: Arc<AtomicBool>,
) -> io::Result<thread::JoinHandle<io::Result<Vec<Duration>>>> {
    thread::Builder::new()
        .name("pinger".into())
        .spawn(move || ping_until(addr, period, &stop))
}

/// Pings `addr` every `period` until `stop` is raised; returns each round
/// trip: from just before the ping is written to just after its echo is
/// read back whole.
pub fn ping_until(
    addr: SocketAddr,
    period: Duration,
    stop: &AtomicBool,
) -> io::Result<Vec<Duration>> {
    let mut stream = TcpStream::connect(addr)?;
    // Four bytes at a time, each waiting for its answer: do not let Nagle's
    // algorithm hold one back.
    stream.set_nodelay(true)?;
    let mut round_trips = Vec::new();
    let mut due = Instant::now();
    // Relaxed is enough: the flag publishes no data, it only says "stop".
    while !stop.load(Ordering::Relaxed) {
        let sent = Instant::now();
        stream.write_all(PING)?;
        let mut back = [0; PING.len()];
        stream.read_exact(&mut back)?;
        round_trips.push(sent.elapsed());
        if &back != PING {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the echo server answered {back:?}, not {PING:?}"),
            ));
        }
        // The next ping is due one period after this one was. A client
        // that fell behind (its echo came late) starts a new schedule from
        // now rather than sending the pings it missed in a burst.
        due += period;
        let now = Instant::now();
        match due.checked_duration_since(now) {
            Some(wait) => thread::sleep(wait),
            None => due = now,
        }
    }
    Ok(round_trips)
}

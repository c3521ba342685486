//! The fetcher's bookkeeping: its plan, the responses it parses, and the
//! report of what happened (chapter 21).
//!
//! The shells run the plan (N requests, at most K in flight, a timeout
//! each, keep-alive connections reused); everything they count lands here.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use super::buffer::ReadBuffer;

/// What to fetch, how many at once, and how long each may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPlan {
    /// How many requests in all (N).
    pub requests: usize,
    /// How many at once, at most (K): one worker, and one keep-alive
    /// connection, each.
    pub in_flight: usize,
    /// How long one request may take, connecting included.
    pub timeout: Duration,
    /// The path to `GET`.
    pub path: String,
}

impl Default for FetchPlan {
    fn default() -> FetchPlan {
        FetchPlan {
            requests: 2_000,
            in_flight: 16,
            timeout: Duration::from_secs(1),
            path: "/hello/fetcher".into(),
        }
    }
}

impl FetchPlan {
    /// The request's bytes, sent as they are for every request.
    pub fn request_bytes(&self, addr: SocketAddr) -> Vec<u8> {
        format!("GET {} HTTP/1.1\r\nHost: {addr}\r\n\r\n", self.path).into_bytes()
    }
}

/// What a fetch did, all measured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchReport {
    /// Requests answered with a 2xx.
    pub completed: u64,
    /// Requests that failed, by reason (`timed out`, `status 404`, ...).
    pub failed: BTreeMap<String, u64>,
    /// Connections opened (K when keep-alive held throughout).
    pub connections: u64,
    /// From the first request to the last answer.
    pub elapsed: Duration,
    /// The latency of every completed request, sorted once the fetch ends.
    latencies: Vec<Duration>,
}

impl FetchReport {
    /// Records one request's end: its latency, or why it failed.
    pub fn record(&mut self, result: Result<Duration, String>) {
        match result {
            Ok(latency) => {
                self.completed += 1;
                self.latencies.push(latency);
            }
            Err(reason) => *self.failed.entry(reason).or_default() += 1,
        }
    }

    /// Ends the report: sets the elapsed time and sorts the latencies.
    pub fn finish(&mut self, elapsed: Duration) {
        self.elapsed = elapsed;
        self.latencies.sort_unstable();
    }

    /// Requests that failed, all reasons together.
    pub fn failures(&self) -> u64 {
        self.failed.values().sum()
    }

    /// Completed requests per second of elapsed time.
    pub fn per_second(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency that `q` (0 to 1) of completed requests did not exceed
    /// (nearest rank); zero if none completed.
    pub fn percentile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = (q * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

impl fmt::Display for FetchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} completed, {} failed in {:.3} s over {} connections: {:.0} requests/s, p50 {:?}, p99 {:?}",
            self.completed,
            self.failures(),
            self.elapsed.as_secs_f64(),
            self.connections,
            self.per_second(),
            self.percentile(0.50),
            self.percentile(0.99),
        )?;
        for (reason, n) in &self.failed {
            write!(f, "; {reason}: {n}")?;
        }
        Ok(())
    }
}

/// One response's status line and framing, as the fetcher needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// The server will close the connection after it.
    pub close: bool,
}

/// Reads responses out of a connection's byte stream (bodies framed by
/// `Content-Length`, which this server always sends).
#[derive(Debug)]
pub struct ResponseReader {
    buf: ReadBuffer,
}

/// The longest response the fetcher accepts.
const MAX_RESPONSE: usize = 64 * 1024;

impl Default for ResponseReader {
    fn default() -> ResponseReader {
        ResponseReader {
            buf: ReadBuffer::new(MAX_RESPONSE + 1024),
        }
    }
}

impl ResponseReader {
    /// The free room to read into.
    pub fn spare(&mut self) -> &mut [u8] {
        self.buf.spare()
    }

    /// Marks `n` bytes as read.
    pub fn filled(&mut self, n: usize) {
        self.buf.filled(n);
    }

    /// Forgets everything buffered (the connection was replaced).
    pub fn clear(&mut self) {
        let n = self.buf.data().len();
        self.buf.consume(n);
    }

    /// The next complete response (consumed, body and all), `Ok(None)` if
    /// it is not all here, or why it cannot be read.
    pub fn next_response(&mut self) -> Result<Option<ResponseHead>, String> {
        let data = self.buf.data();
        let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            return if data.len() > MAX_RESPONSE {
                Err("response head too long".into())
            } else {
                Ok(None)
            };
        };
        let head = std::str::from_utf8(&data[..end]).map_err(|_| "response head not UTF-8")?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = match status_line.split(' ').collect::<Vec<_>>()[..] {
            [version, code, ..] if version.starts_with("HTTP/1.") && code.len() == 3 => code
                .parse::<u16>()
                .map_err(|_| format!("bad status line {status_line:?}"))?,
            _ => return Err(format!("bad status line {status_line:?}")),
        };
        let mut length = None;
        let mut close = false;
        for line in lines {
            let (name, value) = line.split_once(':').ok_or("bad response header")?;
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().map_err(|_| "bad Content-Length")?);
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        let length = length.ok_or("response without Content-Length")?;
        let total = end + 4 + length;
        if total > MAX_RESPONSE {
            return Err("response too long".into());
        }
        if data.len() < total {
            return Ok(None);
        }
        self.buf.consume(total);
        Ok(Some(ResponseHead { status, close }))
    }
}

//! What went wrong on a connection, counted by kind and never hidden.
//!
//! A benchmark that drops its failures flatters the server that fails. Every
//! connection that could not open, was reset, closed early, stalled or echoed
//! the wrong bytes is counted here, and the report prints the counts next to
//! the figures they affect.

use std::fmt;
use std::io;

/// Why one connection stopped before the load was done with it.
#[derive(Debug)]
pub enum Failure {
    /// `connect` failed (refused, no ports left, ...).
    Connect(io::Error),
    /// The connection was reset or broke (`ECONNRESET`, `EPIPE`, ...).
    Reset(io::Error),
    /// The server closed the connection before echoing everything.
    Closed,
    /// A round trip (or opening the connection) took longer than the limit.
    Timeout,
    /// The bytes that came back are not the bytes that were sent.
    Corrupt,
    /// Any other I/O error.
    Other(io::Error),
}

impl Failure {
    /// Classifies an error from a read or a write on an open connection.
    pub fn from_io(e: io::Error) -> Failure {
        match e.kind() {
            io::ErrorKind::UnexpectedEof => Failure::Closed,
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => Failure::Reset(e),
            io::ErrorKind::TimedOut => Failure::Timeout,
            _ => Failure::Other(e),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Connect(e) => write!(f, "connect failed: {e}"),
            Failure::Reset(e) => write!(f, "connection broke: {e}"),
            Failure::Closed => f.write_str("server closed the connection mid-echo"),
            Failure::Timeout => f.write_str("no answer within the time limit"),
            Failure::Corrupt => f.write_str("echo differed from what was sent"),
            Failure::Other(e) => write!(f, "I/O error: {e}"),
        }
    }
}

/// Counts of [`Failure`]s by kind, plus the first one's message as an example.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failures {
    /// Connections that never opened.
    pub connect: u64,
    /// Connections reset or broken.
    pub reset: u64,
    /// Connections the server closed early.
    pub closed: u64,
    /// Round trips (or opens) that timed out.
    pub timeout: u64,
    /// Echoes that came back wrong.
    pub corrupt: u64,
    /// Anything else.
    pub other: u64,
    /// The first failure seen, in words, so the report can show an example.
    pub first: Option<String>,
}

impl Failures {
    /// Counts one failure.
    pub fn record(&mut self, failure: &Failure) {
        let counter = match failure {
            Failure::Connect(_) => &mut self.connect,
            Failure::Reset(_) => &mut self.reset,
            Failure::Closed => &mut self.closed,
            Failure::Timeout => &mut self.timeout,
            Failure::Corrupt => &mut self.corrupt,
            Failure::Other(_) => &mut self.other,
        };
        *counter += 1;
        if self.first.is_none() {
            self.first = Some(failure.to_string());
        }
    }

    /// Adds another set of counts to these.
    pub fn merge(&mut self, other: &Failures) {
        self.connect += other.connect;
        self.reset += other.reset;
        self.closed += other.closed;
        self.timeout += other.timeout;
        self.corrupt += other.corrupt;
        self.other += other.other;
        if self.first.is_none() {
            self.first.clone_from(&other.first);
        }
    }

    /// How many failures of any kind.
    pub fn total(&self) -> u64 {
        self.connect + self.reset + self.closed + self.timeout + self.corrupt + self.other
    }
}

impl fmt::Display for Failures {
    /// `3 refused to connect, 1 reset` (or `none`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [
            (self.connect, "failed to connect"),
            (self.reset, "reset"),
            (self.closed, "closed early"),
            (self.timeout, "timed out"),
            (self.corrupt, "corrupt echo"),
            (self.other, "other error"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_kind_and_keeps_the_first_message() {
        let mut failures = Failures::default();
        assert_eq!(failures.to_string(), "none");
        failures.record(&Failure::Closed);
        failures.record(&Failure::from_io(io::ErrorKind::ConnectionReset.into()));
        failures.record(&Failure::from_io(io::ErrorKind::UnexpectedEof.into()));
        assert_eq!(failures.closed, 2);
        assert_eq!(failures.reset, 1);
        assert_eq!(failures.total(), 3);
        assert_eq!(failures.to_string(), "1 reset, 2 closed early");
        assert_eq!(
            failures.first.as_deref(),
            Some("server closed the connection mid-echo")
        );

        let mut sum = Failures::default();
        sum.merge(&failures);
        sum.merge(&failures);
        assert_eq!(sum.total(), 6);
    }
}

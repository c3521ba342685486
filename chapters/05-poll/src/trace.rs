//! `poll`'s picture of a traced pass: the `pollfd` array it was given and
//! the `revents` it filled in (chapter 05).
//!
//! Chapter 04's server takes a [`TraceFormat`]; this is the one for `poll`.
//! Each entry is `FD:FLAGS`, the flags as `poll(2)` spells them without the
//! `POLL` prefix: `IN`, `OUT` or `IN|OUT`.

use std::os::fd::RawFd;

use ch04_select::trace::TraceFormat;
use ghetto_loop::sys::Interest;

/// The `pollfd` array asked, and the entries whose `revents` came back set.
pub const POLLFDS: TraceFormat = TraceFormat {
    asked: |asked| format!("poll() on {} pollfds [{}]", asked.len(), entries(asked)),
    ready: |ready| format!("revents [{}]", entries(ready)),
};

/// `3:IN 6:IN|OUT`: each fd with its flags.
fn entries(fds: &[(RawFd, Interest)]) -> String {
    let entries: Vec<String> = fds
        .iter()
        .map(|&(fd, interest)| format!("{fd}:{}", poll_flags(interest)))
        .collect();
    entries.join(" ")
}

/// `IN`, `OUT` or `IN|OUT`: how an interest reads as `pollfd` flags.
fn poll_flags(interest: Interest) -> &'static str {
    match (interest.is_readable(), interest.is_writable()) {
        (true, true) => "IN|OUT",
        (false, true) => "OUT",
        _ => "IN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_array_and_the_revents_read_as_poll_spells_them() {
        let asked = [(3, Interest::READABLE), (6, Interest::BOTH)];
        assert_eq!(
            (POLLFDS.asked)(&asked),
            "poll() on 2 pollfds [3:IN 6:IN|OUT]"
        );
        let ready = [(6, Interest::WRITABLE)];
        assert_eq!((POLLFDS.ready)(&ready), "revents [6:OUT]");
    }
}

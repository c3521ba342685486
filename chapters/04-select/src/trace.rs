//! How a traced pass of the echo server reads: what the selector was asked
//! and what it answered (chapter 04; chapter 05 plugs in its own format).
//!
//! The server is the same on every backend; only the picture of one wait
//! changes. `select` is shown as the two `fd_set`s rebuilt before each call,
//! `poll` (chapter 05) as its `pollfd` array. A [`TraceFormat`] is those two
//! pictures; [`line()`] puts one together with the pass number, the timeout and
//! how long the wait took.

use std::os::fd::RawFd;
use std::time::Duration;

use ghetto_loop::sys::Interest;

/// How one backend's wait is pictured in a traced pass.
#[derive(Debug, Clone, Copy)]
pub struct TraceFormat {
    /// What the wait was asked: every watched fd and its interest, in fd
    /// order.
    pub asked: fn(&[(RawFd, Interest)]) -> String,
    /// What came back: every ready fd and what it is ready for, in the order
    /// the selector reported them.
    pub ready: fn(&[(RawFd, Interest)]) -> String,
}

/// `select`'s picture: the read and write sets rebuilt for the call, and the
/// sets it wrote back.
pub const FD_SETS: TraceFormat = TraceFormat {
    asked: |asked| {
        let (read, write) = fd_sets(asked);
        format!("fd_sets rebuilt: read {read} write {write}")
    },
    ready: |ready| {
        let (read, write) = fd_sets(ready);
        format!("ready read {read} write {write}")
    },
};

/// One traced pass: `pass N: ASKED, timeout T -> ANSWER`.
///
/// `ready` is empty when the wait came back with nothing; then the answer
/// says whether the timeout passed or another thread woke the wait.
pub fn line(
    format: TraceFormat,
    pass: u64,
    asked: &[(RawFd, Interest)],
    ready: &[(RawFd, Interest)],
    timeout: Option<Duration>,
    took: Duration,
) -> String {
    let shown = match timeout {
        Some(t) => format!("{:.2} s", t.as_secs_f64()),
        None => "none".to_owned(),
    };
    let took_s = took.as_secs_f64();
    let answer = if !ready.is_empty() {
        format!("{} after {took_s:.3} s", (format.ready)(ready))
    } else if timeout.is_some_and(|t| took >= t) {
        format!("nothing ready: timed out after {took_s:.3} s")
    } else {
        format!("no client ready: woken by another thread after {took_s:.3} s")
    };
    format!(
        "pass {pass}: {}, timeout {shown} -> {answer}",
        (format.asked)(asked)
    )
}

/// The read and the write set of `fds`, each written `{3 6 8}`.
fn fd_sets(fds: &[(RawFd, Interest)]) -> (String, String) {
    let set = |wanted: fn(Interest) -> bool| {
        let fds: Vec<String> = fds
            .iter()
            .filter(|&&(_, interest)| wanted(interest))
            .map(|(fd, _)| fd.to_string())
            .collect();
        format!("{{{}}}", fds.join(" "))
    };
    (set(Interest::is_readable), set(Interest::is_writable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fd_sets_show_each_fd_in_the_sets_of_its_interest() {
        let asked = [
            (3, Interest::READABLE),
            (6, Interest::BOTH),
            (8, Interest::WRITABLE),
        ];
        let line = line(
            FD_SETS,
            7,
            &asked,
            &[(6, Interest::WRITABLE)],
            Some(Duration::from_millis(250)),
            Duration::ZERO,
        );
        assert_eq!(
            line,
            "pass 7: fd_sets rebuilt: read {3 6} write {6 8}, timeout 0.25 s -> ready read {} write {6} after 0.000 s"
        );
    }

    #[test]
    fn an_empty_answer_says_why() {
        let timeout = Some(Duration::from_millis(250));
        let asked = [(3, Interest::READABLE)];
        let timed_out = line(FD_SETS, 1, &asked, &[], timeout, Duration::from_millis(251));
        assert!(
            timed_out.ends_with("nothing ready: timed out after 0.251 s"),
            "{timed_out}"
        );
        let woken = line(FD_SETS, 1, &asked, &[], timeout, Duration::from_millis(1));
        assert!(
            woken.ends_with("woken by another thread after 0.001 s"),
            "{woken}"
        );
    }
}

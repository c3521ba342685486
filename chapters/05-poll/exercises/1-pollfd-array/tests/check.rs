//! The specification of exercise 05-1: `MiniPoll` keeps its array across
//! waits, reports exactly the ready fds' tokens, and deregisters in any order.

use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use course::testing::PATIENCE;
use ex05_1_pollfd_array::MiniPoll;

fn pairs(n: usize) -> io::Result<Vec<(UnixStream, UnixStream)>> {
    (0..n).map(|_| UnixStream::pair()).collect()
}

fn sorted(mut tokens: Vec<usize>) -> Vec<usize> {
    tokens.sort();
    tokens
}

#[test]
fn reports_the_tokens_of_ready_fds_and_nothing_else() -> io::Result<()> {
    let pairs = pairs(3)?;
    let mut poll = MiniPoll::new();
    for (i, (ours, _)) in pairs.iter().enumerate() {
        poll.register(ours.as_fd(), 10 + i)?;
    }
    assert_eq!(poll.len(), 3);
    let started = Instant::now();
    assert!(
        poll.wait(Duration::from_millis(20))?.is_empty(),
        "nothing sent yet"
    );
    assert!(started.elapsed() >= Duration::from_millis(20), "it waited");
    (&pairs[1].1).write_all(b"x")?;
    assert_eq!(poll.wait(PATIENCE)?, [11]);
    // Level-triggered: still unread, still reported.
    assert_eq!(poll.wait(PATIENCE)?, [11]);
    (&pairs[1].0).read_exact(&mut [0])?;
    assert!(poll.wait(Duration::ZERO)?.is_empty());
    Ok(())
}

#[test]
fn deregistering_in_any_order_keeps_the_rest_right() -> io::Result<()> {
    let pairs = pairs(6)?;
    let mut poll = MiniPoll::new();
    for (i, (ours, _)) in pairs.iter().enumerate() {
        poll.register(ours.as_fd(), i)?;
    }
    // From the middle, the front and the back: entries move.
    for i in [2, 0, 5] {
        poll.deregister(pairs[i].0.as_fd())?;
    }
    assert_eq!(poll.len(), 3);
    for (_, theirs) in &pairs {
        (&*theirs).write_all(b"x")?;
    }
    assert_eq!(sorted(poll.wait(PATIENCE)?), [1, 3, 4]);
    // The moved entries can be found again: deregister the rest.
    for i in [4, 1, 3] {
        poll.deregister(pairs[i].0.as_fd())?;
    }
    assert!(poll.is_empty());
    assert!(poll.wait(Duration::ZERO)?.is_empty());
    Ok(())
}

#[test]
fn registering_twice_or_deregistering_a_stranger_is_an_error() -> io::Result<()> {
    let (ours, _theirs) = UnixStream::pair()?;
    let mut poll = MiniPoll::new();
    let err = poll.deregister(ours.as_fd()).expect_err("not registered");
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    poll.register(ours.as_fd(), 1)?;
    let err = poll.register(ours.as_fd(), 2).expect_err("already there");
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(poll.len(), 1);
    Ok(())
}

#[test]
fn watches_2000_fds_at_once() -> io::Result<()> {
    // 4,000 fds: more than many systems allow a process by default.
    ghetto_loop::sys::raise_fd_limit()?;
    let pairs = pairs(2_000)?;
    let mut poll = MiniPoll::new();
    for (i, (ours, _)) in pairs.iter().enumerate() {
        poll.register(ours.as_fd(), i)?;
    }
    let speakers: Vec<usize> = (0..2_000).step_by(97).collect();
    for &i in &speakers {
        (&pairs[i].1).write_all(b"x")?;
    }
    assert_eq!(sorted(poll.wait(PATIENCE)?), speakers);
    Ok(())
}

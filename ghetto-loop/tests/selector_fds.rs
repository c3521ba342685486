//! Every selector closes every fd it opened when it is dropped, on all
//! three backends (chapters 04-06).
//!
//! A test binary of its own: it counts the process's open fds, so no other
//! test may be opening and closing fds at the same time, even under a plain
//! `cargo test` that runs a binary's tests on threads.

mod util;

use std::io::{self, Write};
use std::os::fd::AsFd;

use ghetto_loop::sys::{Interest, SelectorKind, Token};
use util::{event_for, open_fds, tcp_pair};

#[test]
fn dropping_a_selector_closes_its_fds_on_every_backend() -> io::Result<()> {
    let (client, conn) = tcp_pair()?;
    for kind in SelectorKind::ALL {
        let before = open_fds();
        let mut sel = kind.open()?;
        assert!(
            open_fds() > before,
            "{kind}: a selector owns at least its doorbell's fd"
        );
        sel.register(conn.as_fd(), Token(1), Interest::BOTH)?;
        (&client).write_all(b"x")?;
        event_for(&mut *sel, Token(1));
        sel.deregister(conn.as_fd())?;
        drop(sel);
        assert_eq!(open_fds(), before, "{kind}: the selector leaked an fd");
    }
    Ok(())
}

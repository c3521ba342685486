//! The echo server leaves nothing open, on any backend: whatever its clients do (reset,
//! vanish mid-stream, say nothing), every fd it opened is closed once they
//! are gone, and its own close with it.
//!
//! A test binary of its own: it counts the process's open fds, so no other
//! test may be opening and closing fds at the same time, even under a plain
//! `cargo test` that runs a binary's tests on threads.

mod util;

use std::io::{self, Write};

use course::testing::{PATIENCE, open_fds, wait_until};
use ghetto_loop::sys::SelectorKind;
use util::{Running, connect, echo_bytes};

#[test]
fn resets_and_vanishing_clients_leave_nothing_open() -> io::Result<()> {
    // One backend after the other, in one test: counting fds needs the
    // process to itself, so the backends must not run side by side.
    for kind in SelectorKind::ALL {
        leaves_nothing_open(kind)?;
    }
    Ok(())
}

fn leaves_nothing_open(kind: SelectorKind) -> io::Result<()> {
    let before = open_fds();
    let server = Running::start(kind)?;
    let own = open_fds() - before; // listener + selector
    {
        // A reset: close with our echo unread.
        let mut rude = connect(server.addr)?;
        rude.write_all(b"bye\n")?;
        let mut peek = [0u8; 1];
        rude.peek(&mut peek)?;
        drop(rude);

        // A client that sends a lot and leaves without reading a byte.
        let mut gone = connect(server.addr)?;
        gone.write_all(&vec![1u8; 512 * 1024])?;
        drop(gone);

        // A client that connects and says nothing at all.
        let silent = connect(server.addr)?;
        drop(silent);

        // And one who behaves, to prove the server is still fine.
        let mut polite = connect(server.addr)?;
        echo_bytes(&mut polite, b"hello\n")?;
    }
    let all_closed = wait_until(PATIENCE, || open_fds() == before + own);
    assert!(
        all_closed,
        "{kind}: {} fds open, expected {}",
        open_fds(),
        before + own
    );
    let server = server.finish();
    assert_eq!(server.clients(), 0);
    drop(server);
    assert_eq!(
        open_fds(),
        before,
        "{kind}: the server's own fds close with it"
    );
    Ok(())
}

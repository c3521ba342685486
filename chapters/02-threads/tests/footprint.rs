//! `Footprint` sees a thread come and go. (A file of its own: it counts this
//! process's threads, so no other test may run beside it.)

use std::sync::mpsc;
use std::thread;

use ch02_threads::footprint::Footprint;
use course::testing::{PATIENCE, wait_until};

#[test]
fn a_new_thread_shows_up_and_goes_away() -> std::io::Result<()> {
    let before = Footprint::now()?;
    let (started, wait) = mpsc::channel();
    let (release, done) = mpsc::channel::<()>();
    let thread = thread::spawn(move || {
        let _ = started.send(());
        let _ = done.recv();
    });
    wait.recv_timeout(PATIENCE).expect("the thread starts");
    assert_eq!(Footprint::now()?.threads, before.threads + 1);
    drop(release);
    thread.join().expect("the thread ends");
    // The kernel may take a moment to reap it after join returns.
    assert!(wait_until(PATIENCE, || {
        Footprint::now().is_ok_and(|f| f.threads == before.threads)
    }));
    Ok(())
}

//! The echo protocol: everything comes back, and a client that does not
//! read its echoes is slowed down instead of buffered.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ch12_protocols::echo::Echo;
use course::testing::{PATIENCE, open_fds};
use ghetto_loop::event_loop::EventLoop;
use ghetto_loop::protocol::create_server;

#[test]
fn backpressure_pauses_reading_until_the_client_reads() -> io::Result<()> {
    let before = open_fds();
    {
        let lp = EventLoop::new()?;
        let server = create_server(&lp, Echo::default, "127.0.0.1:0".parse().unwrap())?;
        let client = TcpStream::connect(server.local_addr())?;
        client.set_read_timeout(Some(PATIENCE))?;
        let data: Vec<u8> = (0..16u32 << 20).map(|i| (i % 241) as u8).collect();
        let mut writer = client.try_clone()?;
        let sent = data.clone();
        let (done_tx, done_rx) = mpsc::channel();
        let sender = thread::spawn(move || -> io::Result<()> {
            let result = writer
                .write_all(&sent)
                .and_then(|()| writer.shutdown(Shutdown::Write));
            let _ = done_tx.send(());
            result
        });
        // Nobody reads the echoes: the server's buffer reaches the mark, and
        // it stops reading (only the listener keeps a reader).
        let deadline = Instant::now() + PATIENCE;
        loop {
            let tick = lp.call_later(Duration::from_millis(5), || {});
            lp.run_once()?;
            tick.cancel();
            if lp.stats().readers == 1 {
                break;
            }
            assert!(Instant::now() < deadline, "the server never paused reading");
        }
        assert!(
            done_rx.try_recv().is_err(),
            "the client could not send it all"
        );

        // Now read: the server resumes, and everything comes back in order.
        let mut reader = client;
        let receiver = thread::spawn(move || -> io::Result<Vec<u8>> {
            let mut got = Vec::new();
            reader.read_to_end(&mut got)?;
            Ok(got)
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        while !receiver.is_finished() {
            assert!(Instant::now() < deadline, "the echo never finished");
            let tick = lp.call_later(Duration::from_millis(5), || {});
            lp.run_once()?;
            tick.cancel();
        }
        sender.join().expect("the sender does not panic")?;
        let got = receiver.join().expect("the receiver does not panic")?;
        assert!(
            got == data,
            "{} of {} bytes came back, in order",
            got.len(),
            data.len()
        );
        server.close();
    }
    assert_eq!(open_fds(), before);
    Ok(())
}

//! A server started by the harness dies with it: even a harness killed with
//! `SIGKILL` (which runs no destructor) leaves no server running.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Whether process `pid` is gone (or a zombie nobody reaped yet).
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_server_dies_when_its_harness_is_killed() {
    // A shell stands in for the harness: it starts the server, says its pid,
    // and waits. Then we kill the shell, and only the shell.
    let script = format!(
        "'{}' serve tokio 127.0.0.1:0 & echo \"pid $!\"; wait",
        env!("CARGO_BIN_EXE_bench")
    );
    let mut harness = Command::new("sh")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        // Not the test's stderr: a server that outlived the test would hold
        // it open, and the test runner would wait for it.
        .stderr(Stdio::null())
        .spawn()
        .expect("sh starts");
    let mut lines = BufReader::new(harness.stdout.take().unwrap()).lines();
    let mut server = None;
    let mut listening = false;
    while server.is_none() || !listening {
        let line = lines
            .next()
            .expect("the shell and the server print two lines")
            .unwrap();
        if let Some(pid) = line.strip_prefix("pid ") {
            server = pid.trim().parse::<u32>().ok();
        }
        listening |= line.starts_with("listening on ");
    }
    let server = server.unwrap();
    assert!(!dead(server), "the server runs while its harness does");

    harness.kill().unwrap();
    harness.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dead(server) {
        if Instant::now() > deadline {
            // Clean up before failing, so the failure leaves nothing running.
            let _ = kill(Pid::from_raw(server as i32), Signal::SIGKILL);
            panic!("the server outlived its harness");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

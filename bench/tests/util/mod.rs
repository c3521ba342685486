//! What the bench's end-to-end tests share: running the bench binary with
//! a bounded wait.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `bench ARGS --out DIR` (DIR fresh under the test's temporary
/// directory, named after `name`), and fails the test if it fails or takes
/// longer than `limit`, so a hung child fails the test instead of CI.
/// Returns DIR.
pub fn run_bench(args: &[&str], name: &str, limit: Duration) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let what = format!("bench {}", args.join(" "));
    let mut child = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(args)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the bench binary starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("can wait for the bench") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{what} failed: {status}");
    out
}

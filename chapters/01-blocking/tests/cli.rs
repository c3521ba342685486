//! The command line: `serve 127.0.0.1:0` announces its port and echoes; bad
//! arguments exit 2 with the usage.

use std::process::Command;

use course::line_client::LineClient;
use course::server_process::ServerProcess;

const BIN: &str = env!("CARGO_BIN_EXE_ch01-blocking");

#[test]
fn serve_announces_its_address_first_and_echoes() -> anyhow::Result<()> {
    // The server is killed when `server` is dropped, passed or failed.
    let server = ServerProcess::serve(BIN, &[])?;
    assert_ne!(server.addr().port(), 0);
    LineClient::connect(server.addr())?.round_trip("over the wire")?;
    Ok(())
}

#[test]
fn bad_arguments_exit_2_with_the_usage() -> anyhow::Result<()> {
    let out = Command::new(BIN).args(["serve", "nowhere"]).output()?;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not an address"), "{stderr}");
    assert!(stderr.contains("Usage:"), "{stderr}");
    Ok(())
}

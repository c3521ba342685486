//! The command line: `serve 127.0.0.1:0` announces its port and echoes; bad
//! arguments exit 2 with the usage.

use std::process::Command;

use course::server_process::{
    assert_a_bad_address_exits_2_with_the_usage, assert_serve_announces_and_echoes,
};

const BIN: &str = env!("CARGO_BIN_EXE_ch03-nonblocking");

#[test]
fn serve_announces_its_address_first_and_echoes() -> std::io::Result<()> {
    assert_serve_announces_and_echoes(BIN)
}

#[test]
fn bad_arguments_exit_2_with_the_usage() -> std::io::Result<()> {
    assert_a_bad_address_exits_2_with_the_usage(BIN)
}

#[test]
fn an_interval_that_is_not_a_number_exits_2() -> anyhow::Result<()> {
    let out = Command::new(BIN)
        .args(["serve", "127.0.0.1:0", "--interval", "soon"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("whole number of milliseconds"), "{stderr}");
    Ok(())
}

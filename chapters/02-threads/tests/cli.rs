//! The command line: `serve 127.0.0.1:0` announces its port and echoes; bad
//! arguments exit 2 with the usage.

use course::server_process::{
    assert_a_bad_address_exits_2_with_the_usage, assert_serve_announces_and_echoes,
};

const BIN: &str = env!("CARGO_BIN_EXE_ch02-threads");

#[test]
fn serve_announces_its_address_first_and_echoes() -> std::io::Result<()> {
    assert_serve_announces_and_echoes(BIN)
}

#[test]
fn bad_arguments_exit_2_with_the_usage() -> std::io::Result<()> {
    assert_a_bad_address_exits_2_with_the_usage(BIN)
}

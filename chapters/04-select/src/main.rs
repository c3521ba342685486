//! `cargo run -p ch04-select [-- serve [ADDR] | -- client ADDR]`.

use ch04_select::{demo, server};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch04-select",
        "Chapter 04: select() serves many clients on one thread, up to fd 1023.",
        "127.0.0.1:7004",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

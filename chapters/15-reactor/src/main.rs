//! `cargo run -p ch15-reactor [-- serve [ADDR] | -- client ADDR]`.

use ch15_reactor::{demo, echo};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch15-reactor",
        "Chapter 15: async TCP on the reactor, and an async/await echo server.",
        "127.0.0.1:7015",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => echo::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

//! `cargo run -p ch01-blocking [-- serve [ADDR] | -- client ADDR]`.

use ch01_blocking::{demo, server};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch01-blocking",
        "Chapter 01: a blocking echo server; the second client waits for the first.",
        "127.0.0.1:7001",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

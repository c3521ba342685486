//! `cargo run -p ch02-threads [-- serve [ADDR] | -- client ADDR]`.

use ch02_threads::{demo, server};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch02-threads",
        "Chapter 02: a thread per client; what 1, 100 and 1000 idle clients cost.",
        "127.0.0.1:7002",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

//! `cargo run -p ch19-blocking-world [-- serve [ADDR] | -- client ADDR]`
//! (chapter 19).

use ch19_blocking_world::{commands, demo};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch19-blocking-world",
        "Chapter 19: a blocking call stalls every client; spawn_blocking, DNS and files in a pool, debug mode and the loop's trace.",
        "127.0.0.1:7019",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => commands::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

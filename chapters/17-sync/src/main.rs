//! `cargo run -p ch17-sync [-- serve [ADDR] | -- client ADDR]` (chapter 17).

use ch17_sync::{demo, waiting_room};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch17-sync",
        "Chapter 17: waiting for a resource without blocking the loop: semaphores, locks, channels, async release, streams.",
        "127.0.0.1:7017",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => waiting_room::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

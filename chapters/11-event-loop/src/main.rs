//! `cargo run -p ch11-event-loop [-- serve [ADDR] | -- client ADDR]`.

use ch11_event_loop::{demo, echo};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch11-event-loop",
        "Chapter 11: an event loop of callbacks, and an echo server written on it.",
        "127.0.0.1:7011",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => echo::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

//! `cargo run -p ch16-timers [-- serve [ADDR] | -- client ADDR]` (chapter 16).

use ch16_timers::{demo, idle};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch16-timers",
        "Chapter 16: timers in a heap, sleep/timeout/interval, and an echo server that drops idle clients.",
        "127.0.0.1:7016",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => idle::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

//! `cargo run -p ch14-executor [-- serve [ADDR] | -- client ADDR]`.

use ch14_executor::{demo, echo};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch14-executor",
        "Chapter 14: tasks on the event loop, and an echo server with a task per client.",
        "127.0.0.1:7014",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => echo::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

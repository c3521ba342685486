//! `cargo run -p ch18-structured [-- serve [ADDR] | -- client ADDR]` (chapter 18).

use ch18_structured::{chat, demo};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch18-structured",
        "Chapter 18: a leaked task, task groups that own their children, and cancellation as drop; a chat server with a group per client.",
        "127.0.0.1:7018",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => chat::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

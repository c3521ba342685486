//! `cargo run -p ch12-protocols [-- serve [ADDR] [--server chat|echo] | -- client ADDR]`.

use ch12_protocols::{chat, demo, echo};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch12-protocols",
        "Chapter 12: transports and protocols, and a chat server written on them.",
        "127.0.0.1:7012",
    )
    .option("--server", "chat|echo", "chat", "which server `serve` runs")
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => match args.option("--server") {
            "echo" => echo::serve_echo(addr),
            _ => chat::serve(addr),
        },
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

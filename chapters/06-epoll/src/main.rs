//! `cargo run -p ch06-epoll [-- serve [ADDR] [--selector select|poll|epoll] | -- client ADDR]`.

use ch06_epoll::{demo, server};
use course::cli::{Cli, Command};
use ghetto_loop::sys::SelectorKind;

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    // GHETTO_SELECTOR sets the default; a bad value is an error here, before
    // anything runs, with the allowed values in the message.
    let default = SelectorKind::from_env()?;
    let args = Cli::new(
        "ch06-epoll",
        "Chapter 06: epoll, level vs edge triggered, and one server on three backends.",
        "127.0.0.1:7006",
    )
    .option(
        "--selector",
        "select|poll|epoll",
        default.name(),
        "the backend `serve` runs on (GHETTO_SELECTOR sets the default)",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()).map(drop),
        Command::Serve { addr } => {
            let kind: SelectorKind = args.option("--selector").parse()?;
            server::serve_with(kind, addr)
        }
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

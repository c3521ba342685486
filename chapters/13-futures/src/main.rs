//! `cargo run -p ch13-futures [-- serve [ADDR] | -- client ADDR]`.

use ch13_futures::{demo, server};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch13-futures",
        "Chapter 13: futures. The server answers every line with a future a timer fills.",
        "127.0.0.1:7013",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

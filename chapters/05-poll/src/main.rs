//! `cargo run -p ch05-poll [-- serve [ADDR] | -- client ADDR]`.

use ch05_poll::{demo, server};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch05-poll",
        "Chapter 05: poll() serves past fd 1024 on one thread; each wait costs O(fds).",
        "127.0.0.1:7005",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

//! `cargo run -p ch20-signals [-- serve [ADDR] | -- client ADDR]` (chapter 20).

use std::time::Duration;

use anyhow::Context;
use ch20_signals::{demo, server};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch20-signals",
        "Chapter 20: signals as fd events (self-pipe and signalfd), and a server that shuts down gracefully on SIGTERM or Ctrl-C.",
        "127.0.0.1:7020",
    )
    .option(
        "--work",
        "MILLISECONDS",
        "200",
        "how long serve works on each request",
    )
    .option(
        "--grace",
        "MILLISECONDS",
        "2000",
        "how long serve's shutdown may take",
    )
    .parse();
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => {
            let ms = |flag: &str| -> anyhow::Result<Duration> {
                let value = args.option(flag);
                let n = value
                    .parse()
                    .with_context(|| format!("{flag} {value}: a number of milliseconds"))?;
                Ok(Duration::from_millis(n))
            };
            let opts = server::Options {
                work: ms("--work")?,
                grace: ms("--grace")?,
                ..server::Options::default()
            };
            server::serve(addr, opts)
        }
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

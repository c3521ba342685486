//! `cargo run -p ch03-nonblocking [-- serve [ADDR] [--interval MS] | -- client ADDR]`.

use std::time::Duration;

use ch03_nonblocking::{demo, server};
use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::new(
        "ch03-nonblocking",
        "Chapter 03: one thread polls every non-blocking socket; interval 0 vs 30 ms.",
        "127.0.0.1:7003",
    )
    .option(
        "--interval",
        "MILLISECONDS",
        &server::DEFAULT_INTERVAL.as_millis().to_string(),
        "how long `serve` sleeps after a round that found nothing to do",
    );
    let args = cli.parse();
    let interval = match args.option("--interval").parse::<u64>() {
        Ok(ms) => Duration::from_millis(ms),
        Err(_) => {
            eprintln!(
                "error: --interval takes a whole number of milliseconds, not {:?}\n\n{}",
                args.option("--interval"),
                cli.usage()
            );
            std::process::exit(2);
        }
    };
    match args.command {
        Command::Demo => demo::run(&course::Timeline::new()),
        Command::Serve { addr } => server::serve_with_interval(addr, interval),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

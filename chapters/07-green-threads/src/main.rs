use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch07-green-threads",
        "Chapter 07: green threads on swapcontext. The server runs a green thread per client.",
        "127.0.0.1:7007",
    )
    .parse();
    match args.command {
        Command::Demo => ch07_green_threads::demo::run(&course::Timeline::new()),
        Command::Serve { addr } => ch07_green_threads::server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

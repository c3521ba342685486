use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch08-generators",
        "Chapter 08: generators by hand. The server keeps a running sum per client, one generator each.",
        "127.0.0.1:7008",
    )
    .parse();
    match args.command {
        Command::Demo => ch08_generators::demo::run(&course::Timeline::new()),
        Command::Serve { addr } => ch08_generators::server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

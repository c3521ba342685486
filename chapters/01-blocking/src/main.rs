use course::cli::{Cli, Command};

fn main() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch01-blocking",
        "Chapter 01: a blocking echo server.",
        "127.0.0.1:7001",
    )
    .parse();
    match args.command {
        Command::Demo => Ok(()),
        Command::Serve { addr } => ch01_blocking::server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

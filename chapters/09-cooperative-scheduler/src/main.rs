use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch09-cooperative-scheduler",
        "Chapter 09: generators that yield \"sleep for d\", and the scheduler that runs them.",
        "127.0.0.1:7009",
    )
    .parse();
    match args.command {
        Command::Demo => ch09_cooperative_scheduler::demo::run(&course::Timeline::new()),
        Command::Serve { addr } => ch09_cooperative_scheduler::server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

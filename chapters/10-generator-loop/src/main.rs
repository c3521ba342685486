use course::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let args = Cli::new(
        "ch10-generator-loop",
        "Chapter 10: generators that yield (socket, interest), resumed by a loop on the selectors \
         (GHETTO_SELECTOR=select|poll|epoll).",
        "127.0.0.1:7010",
    )
    .parse();
    match args.command {
        Command::Demo => ch10_generator_loop::demo::run(&course::Timeline::new()),
        Command::Serve { addr } => ch10_generator_loop::server::serve(addr),
        Command::Client { addr } => Ok(course::client::run(addr)?),
    }
}

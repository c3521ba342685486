//! `cargo run -p ch21-capstone [-- serve [ADDR] | fetch ADDR | diff [A B] | client ADDR]`
//! (chapter 21).
//!
//! `fetch`, `diff` and the `--per-core` flag are this chapter's own; the rest
//! is the course's shared command line.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use ch21_capstone::run::{Runtime, cores, start};
use ch21_capstone::{Config, FetchPlan, demo};
use course::cli::{Cli, Command};
use ghetto_loop::sys::SelectorKind;

fn main() -> ExitCode {
    course::cli::exit_code(run())
}

fn run() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("diff") => return shell_diff(&args[1..]),
        Some("fetch") => return fetch(&args[1..]),
        _ => {}
    }
    let per_core = args.iter().any(|a| a == "--per-core");
    args.retain(|a| a != "--per-core");
    let cli = Cli::new(
        "ch21-capstone",
        "Chapter 21: a chat, an HTTP/1.1 server and a fetcher, on ghetto-loop or tokio.\n\
         Also: `fetch ADDR [--requests N] [--in-flight K] [--timeout-ms T] [--runtime R]`,\n\
         `diff [A B]` (two runtimes' shells; ghetto and tokio by default), and\n\
         `serve --per-core` (one loop per core; tokio-mt uses every core anyway).",
        "127.0.0.1:7021",
    )
    .option(
        "--runtime",
        "ghetto|tokio|tokio-mt",
        "ghetto",
        "which runtime runs the app",
    )
    .option(
        "--http",
        "ADDR",
        "127.0.0.1:8021",
        "where serve's HTTP server listens",
    )
    .option(
        "--header-timeout-ms",
        "MILLISECONDS",
        "5000",
        "how long a request head may take",
    )
    .option(
        "--grace-ms",
        "MILLISECONDS",
        "5000",
        "how long shutdown may take",
    );
    let parsed = match cli.try_parse(args) {
        Ok(parsed) => parsed,
        Err(course::cli::ParseError::Help) => {
            println!("{}", cli.usage());
            return Ok(());
        }
        Err(course::cli::ParseError::Bad(message)) => {
            eprintln!("error: {message}\n\n{}", cli.usage());
            std::process::exit(2);
        }
    };
    match parsed.command {
        Command::Demo => demo::run(),
        Command::Client { addr } => Ok(course::client::run(addr)?),
        Command::Serve { addr } => {
            let runtime = runtime(parsed.option("--runtime"))?;
            let http: SocketAddr = parsed
                .option("--http")
                .parse()
                .context("--http: an address like 127.0.0.1:8021")?;
            let mut config = Config::new(addr, http);
            config.header_timeout = millis(&parsed, "--header-timeout-ms")?;
            config.grace = millis(&parsed, "--grace-ms")?;
            config.signals = true;
            config.selector = SelectorKind::from_env()?;
            ghetto_loop::sys::raise_fd_limit()?;
            // tokio-mt has a worker per core whether asked or not.
            let threads = if per_core || runtime.is_multi_thread() {
                cores()
            } else {
                1
            };
            let app = start(runtime, config, threads)?;
            let chat = app.addrs.chat.context("the first core runs the chat")?;
            course::cli::announce_listening(chat);
            println!(
                "chat on {chat} (nc {} {}), HTTP on http://{}/ ; {} on {} core(s); Ctrl-C stops",
                chat.ip(),
                chat.port(),
                app.addrs.http,
                runtime.name(),
                threads
            );
            let report = app.wait()?;
            println!("shut down: {report:?}");
            Ok(())
        }
    }
}

fn runtime(word: &str) -> anyhow::Result<Runtime> {
    Runtime::parse(word).with_context(|| format!("{word}: a runtime is ghetto, tokio or tokio-mt"))
}

/// `diff [A B]`: the adapter files of two runtimes, ghetto-loop's and
/// tokio's if none is named.
fn shell_diff(names: &[String]) -> anyhow::Result<()> {
    let (old, new) = match names {
        [] => (Runtime::Ghetto, Runtime::Tokio),
        [a, b] => (runtime(a)?, runtime(b)?),
        _ => bail!("usage: diff [A B], each of A and B one of ghetto, tokio, tokio-mt"),
    };
    let (text, changed) = demo::shell_diff(old, new);
    let (old_path, new_path) = (demo::shell_file(old).0, demo::shell_file(new).0);
    print!("--- {old_path}\n+++ {new_path}\n{text}");
    println!("{changed} lines differ; the app itself (src/shell.rs) is shared.");
    Ok(())
}

fn millis(args: &course::cli::Args, flag: &str) -> anyhow::Result<Duration> {
    let value = args.option(flag);
    let n: u64 = value
        .parse()
        .with_context(|| format!("{flag} {value}: a number of milliseconds"))?;
    Ok(Duration::from_millis(n))
}

/// `fetch ADDR [--requests N] [--in-flight K] [--timeout-ms T] [--runtime R] [--path P]`.
fn fetch(args: &[String]) -> anyhow::Result<()> {
    let mut plan = FetchPlan::default();
    let mut runtime = Runtime::Ghetto;
    let mut addr = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        let number = |v: &String| -> anyhow::Result<u64> {
            v.parse()
                .with_context(|| format!("{arg} {v}: a whole number"))
        };
        match arg.as_str() {
            "--requests" => plan.requests = number(value()?)? as usize,
            "--in-flight" => plan.in_flight = number(value()?)? as usize,
            "--timeout-ms" => plan.timeout = Duration::from_millis(number(value()?)?),
            "--path" => plan.path = value()?.clone(),
            "--runtime" => runtime = self::runtime(value()?)?,
            a if a.starts_with("--") => bail!(
                "unknown option {a}; fetch takes --requests, --in-flight, --timeout-ms, --path, --runtime"
            ),
            a => {
                addr = Some(
                    a.parse::<SocketAddr>()
                        .with_context(|| format!("{a:?} is not an address like 127.0.0.1:8021"))?,
                )
            }
        }
    }
    let addr = addr.context("usage: fetch ADDR [--requests N] [--in-flight K] [--timeout-ms T] [--runtime ghetto|tokio|tokio-mt]")?;
    if plan.in_flight == 0 || !plan.path.starts_with('/') {
        bail!("--in-flight must be at least 1 and --path must start with /");
    }
    let report = runtime.fetch(SelectorKind::from_env()?, addr, plan)?;
    println!("{}: {report}", runtime.name());
    Ok(())
}

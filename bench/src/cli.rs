//! The command line: run a suite, or (for the harness itself) be a server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::suite::Suite;
use crate::tasks::{TaskPlan, TaskRuntime};

/// The usage text.
pub const USAGE: &str = "\
The C10K benchmark: every chapter's echo server against a tokio peer.

Usage:
  bench [OPTIONS]                 run a suite; report and plots in target/bench/
  bench list                      list the servers it knows
  bench serve NAME ADDR [--cpu N] [--strace FILE]
                                  run one server (the harness starts these itself),
                                  under `strace -f -c -o FILE` if asked
  bench tasks ghetto-loop|tokio [--cpu N] [--tasks N] [--batches N]
                                  measure spawn+join and idle tasks on one runtime,
                                  print them on one line (the harness runs this too)

Options:
  --suite default|quick   default: every server, both pinnings, 3 runs (~7 min);
                          quick: tokio and one chapter, a few seconds (default: default)
  --servers A,B           only these servers (tokio is always kept: it is the baseline)
  --runs N                runs per cell
  --seconds S             counted seconds per echo run
  --out DIR               where to write report.md, the SVGs and results.csv
";

/// What to do.
#[derive(Debug, Clone)]
pub enum Command {
    /// Run a suite.
    Run {
        /// The suite, with the overrides applied.
        suite: Box<Suite>,
        /// Output directory.
        out: PathBuf,
    },
    /// List the registered servers.
    List,
    /// Run one server until killed.
    Serve {
        /// Registry name.
        name: String,
        /// Where to listen.
        addr: SocketAddr,
        /// CPU to pin to.
        cpu: Option<usize>,
        /// Run it under `strace -f -c`, the summary going to this file.
        strace: Option<PathBuf>,
    },
    /// Measure one runtime's tasks and print the figures.
    Tasks {
        /// Which runtime.
        runtime: TaskRuntime,
        /// CPU to pin to.
        cpu: Option<usize>,
        /// Tasks per batch, and tasks parked.
        plan: TaskPlan,
    },
    /// Print the usage.
    Help,
}

/// Parses the arguments (without the program name). `default_out` is used
/// when `--out` is not given.
pub fn parse(args: &[String], default_out: PathBuf) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("serve") => return parse_serve(&args[1..]),
        Some("tasks") => return parse_tasks(&args[1..]),
        Some("list") if args.len() == 1 => return Ok(Command::List),
        _ => {}
    }
    let mut suite = Suite::default_suite();
    let mut out = default_out;
    let mut servers = None;
    let mut runs = None;
    let mut seconds = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--suite" => {
                let name = value("--suite")?;
                suite = Suite::named(&name)
                    .ok_or_else(|| format!("--suite must be default or quick, not {name:?}"))?;
            }
            "--servers" => {
                servers = Some(
                    value("--servers")?
                        .split(',')
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                );
            }
            "--runs" => runs = Some(number::<usize>("--runs", &value("--runs")?)?),
            "--seconds" => seconds = Some(number::<f64>("--seconds", &value("--seconds")?)?),
            "--out" => out = PathBuf::from(value("--out")?),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    // Overrides apply after --suite, wherever they were on the line.
    if let Some(names) = servers {
        suite.only_servers(&names)?;
    }
    if let Some(runs) = runs {
        if runs == 0 {
            return Err("--runs must be at least 1".to_owned());
        }
        suite.runs = runs;
    }
    if let Some(seconds) = seconds {
        suite.measure = Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| !d.is_zero() && d.as_secs() <= 600)
            .ok_or_else(|| format!("--seconds must be between 0 and 600, not {seconds}"))?;
    }
    Ok(Command::Run {
        suite: Box::new(suite),
        out,
    })
}

fn parse_serve(args: &[String]) -> Result<Command, String> {
    let [name, addr, rest @ ..] = args else {
        return Err("serve needs a server name and an address: serve NAME ADDR".to_owned());
    };
    let addr = addr
        .parse()
        .map_err(|_| format!("{addr:?} is not an address like 127.0.0.1:0"))?;
    let (mut cpu, mut strace) = (None, None);
    for pair in rest.chunks(2) {
        match pair {
            [flag, cpu_text] if flag == "--cpu" => cpu = Some(number("--cpu", cpu_text)?),
            [flag, file] if flag == "--strace" => strace = Some(PathBuf::from(file)),
            other => {
                return Err(format!(
                    "unexpected arguments after serve: {}",
                    other.join(" ")
                ));
            }
        }
    }
    Ok(Command::Serve {
        name: name.clone(),
        addr,
        cpu,
        strace,
    })
}

fn parse_tasks(args: &[String]) -> Result<Command, String> {
    let [name, rest @ ..] = args else {
        return Err("tasks needs a runtime: tasks ghetto-loop|tokio".to_owned());
    };
    let runtime = TaskRuntime::named(name)
        .ok_or_else(|| format!("tasks needs ghetto-loop or tokio, not {name:?}"))?;
    let mut cpu = None;
    let mut plan = TaskPlan::default();
    for pair in rest.chunks(2) {
        match pair {
            [flag, n] if flag == "--cpu" => cpu = Some(number("--cpu", n)?),
            [flag, n] if flag == "--tasks" => plan.tasks = number("--tasks", n)?,
            [flag, n] if flag == "--batches" => plan.batches = number("--batches", n)?,
            other => {
                return Err(format!(
                    "unexpected arguments after tasks: {}",
                    other.join(" ")
                ));
            }
        }
    }
    if plan.tasks == 0 || plan.batches == 0 {
        return Err("--tasks and --batches must be at least 1".to_owned());
    }
    Ok(Command::Tasks { runtime, cpu, plan })
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{flag} needs a number, not {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Command, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, PathBuf::from("out"))
    }

    #[test]
    fn suites_and_overrides() {
        let Ok(Command::Run { suite, out }) =
            parse_args(&["--runs", "5", "--suite", "quick", "--out", "x"])
        else {
            panic!("should parse");
        };
        assert_eq!(
            (suite.name, suite.runs, out),
            ("quick", 5, PathBuf::from("x"))
        );
        let Ok(Command::Run { suite, .. }) = parse_args(&["--seconds", "0.5"]) else {
            panic!("should parse");
        };
        assert_eq!(
            (suite.name, suite.measure),
            ("default", Duration::from_millis(500))
        );
        assert!(matches!(parse_args(&["list"]), Ok(Command::List)));
        assert!(matches!(parse_args(&["--help"]), Ok(Command::Help)));
    }

    #[test]
    fn serve_takes_a_name_an_address_and_a_cpu() {
        let Ok(Command::Serve {
            name,
            addr,
            cpu,
            strace,
        }) = parse_args(&["serve", "tokio", "127.0.0.1:0", "--cpu", "1"])
        else {
            panic!("should parse");
        };
        assert_eq!((name.as_str(), addr.port(), cpu), ("tokio", 0, Some(1)));
        assert_eq!(strace, None);
        let Ok(Command::Serve { strace, .. }) =
            parse_args(&["serve", "tokio", "127.0.0.1:0", "--strace", "s.txt"])
        else {
            panic!("should parse");
        };
        assert_eq!(strace, Some(PathBuf::from("s.txt")));
    }

    #[test]
    fn tasks_takes_a_runtime_and_a_plan() {
        let Ok(Command::Tasks { runtime, cpu, plan }) =
            parse_args(&["tasks", "tokio", "--tasks", "10", "--cpu", "0"])
        else {
            panic!("should parse");
        };
        assert_eq!(
            (runtime, cpu, plan.tasks),
            (TaskRuntime::Tokio, Some(0), 10)
        );
        assert_eq!(plan.batches, TaskPlan::default().batches);
    }

    #[test]
    fn bad_input_says_what_was_wrong() {
        let bad = |args: &[&str]| parse_args(args).unwrap_err();
        assert!(bad(&["--suite", "huge"]).contains("default or quick"));
        assert!(bad(&["--runs", "0"]).contains("at least 1"));
        assert!(bad(&["--runs", "many"]).contains("needs a number"));
        assert!(bad(&["--seconds", "-1"]).contains("between 0 and 600"));
        assert!(bad(&["--servers", "nope"]).contains("unknown server"));
        assert!(bad(&["--frobnicate"]).contains("unexpected"));
        assert!(bad(&["serve", "tokio"]).contains("NAME ADDR"));
        assert!(bad(&["serve", "tokio", "here"]).contains("not an address"));
        assert!(bad(&["serve", "tokio", "127.0.0.1:0", "--cpu"]).contains("unexpected"));
        assert!(bad(&["tasks", "asyncio"]).contains("ghetto-loop or tokio"));
        assert!(bad(&["tasks", "tokio", "--tasks", "0"]).contains("at least 1"));
        assert!(bad(&["--out"]).contains("needs a value"));
    }
}

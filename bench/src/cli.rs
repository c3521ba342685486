//! The command line: run a suite, or (for the harness itself) be a server
//! or a runtime's child process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::child::{Plan, Runtime};
use crate::suite::Suite;
use crate::sync::SyncPlan;
use crate::tasks::TaskPlan;
use crate::timers::TimerPlan;

/// The usage text.
pub const USAGE: &str = "\
The C10K benchmark: every chapter's echo server against a tokio peer.

Usage:
  bench [OPTIONS]                 run a suite; report and plots in target/bench/
  bench list                      list the servers it knows
  bench serve NAME ADDR [--cpu N] [--strace FILE | --callgrind FILE]
                                  run one server (the harness starts these itself),
                                  under `strace -f -c -o FILE` or callgrind if asked
  bench counts [--quick] [--out DIR]
                                  instructions (callgrind) and system calls (strace)
                                  per operation, ghetto-loop against tokio: counts.md
  bench soak [--short] [--server NAME] [--seconds S] [--held N] [--out DIR]
                                  hold one server under connection churn, its fds and
                                  RSS sampled before, during and after: target/soak/report.md
                                  (chapter 21's servers, e.g. ch21-ghetto-loop, over HTTP)
  bench op OPERATION ghetto-loop|tokio N
                                  do N of one operation and nothing else (bench counts
                                  runs this under callgrind and strace)
  bench tasks ghetto-loop|tokio [--cpu N] [--tasks N] [--batches N]
                                  measure spawn+join and idle tasks on one runtime,
                                  print them on one line (the harness runs this too)
  bench timers ghetto-loop|tokio [--cpu N] [--load-cpu N] [--series US:N,...]
               [--load-connections N] [--crowd N] [--spread-ms MS]
                                  measure timer lateness (idle and under echo load)
                                  and the cost of a crowd of sleeping tasks
  bench sync ghetto-loop|tokio [--cpu N] [--tasks N] [--locks N] [--messages N]
             [--capacity N]       measure mutex locks and hand-offs and channel
                                  messages per second

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
        /// Run it under callgrind, its count going to this file.
        callgrind: Option<PathBuf>,
    },
    /// Count instructions and system calls per operation.
    Counts {
        /// The tiny version, for the test.
        quick: bool,
        /// Output directory.
        out: PathBuf,
    },
    /// Hold one server under churn and check it comes back.
    Soak {
        /// How much, of what.
        plan: crate::soak::SoakPlan,
        /// Output directory.
        out: PathBuf,
    },
    /// Do `n` of one operation on one runtime, for `bench counts`.
    Op {
        /// Which operation.
        op: crate::counts::Op,
        /// Which runtime.
        runtime: Runtime,
        /// How many.
        n: usize,
    },
    /// Measure one runtime's figures in this process and print them.
    Child {
        /// Which runtime.
        runtime: Runtime,
        /// CPU to pin to.
        cpu: Option<usize>,
        /// Which figures, and how much.
        figure: ChildFigure,
    },
    /// Print the usage.
    Help,
}

/// The figures a child process measures, with their plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildFigure {
    /// `bench tasks`: spawn and join, and a parked task.
    Tasks(TaskPlan),
    /// `bench timers`: lateness, and a crowd of sleeping tasks.
    Timers(TimerPlan),
    /// `bench sync`: mutex and channel.
    Sync(SyncPlan),
}

/// Parses the arguments (without the program name). `default_out` is used
/// when `--out` is not given.
pub fn parse(args: &[String], default_out: PathBuf) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("serve") => return parse_serve(&args[1..]),
        Some(TaskPlan::COMMAND) => return parse_child(&args[1..], ChildFigure::Tasks),
        Some(TimerPlan::COMMAND) => return parse_child(&args[1..], ChildFigure::Timers),
        Some(SyncPlan::COMMAND) => return parse_child(&args[1..], ChildFigure::Sync),
        Some("list") if args.len() == 1 => return Ok(Command::List),
        Some("counts") => return parse_counts(&args[1..], default_out),
        Some("op") => return parse_op(&args[1..]),
        Some("soak") => {
            return crate::soak::parse(&args[1..]).map(|(plan, out)| Command::Soak { plan, out });
        }
        _ => {}
    }
    let mut suite = Suite::default_suite();
    let mut out = default_out;
    let mut servers = None;
    let mut runs = None;
    let mut seconds = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| flag_value(&mut rest, flag);
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
    let (mut cpu, mut strace, mut callgrind) = (None, None, None);
    for pair in rest.chunks(2) {
        match pair {
            [flag, cpu_text] if flag == "--cpu" => cpu = Some(number("--cpu", cpu_text)?),
            [flag, file] if flag == "--strace" => strace = Some(PathBuf::from(file)),
            [flag, file] if flag == "--callgrind" => callgrind = Some(PathBuf::from(file)),
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
        callgrind,
    })
}

/// The value after `flag` in `rest`, or an error that says it is missing.
pub fn flag_value<'a>(
    rest: &mut impl Iterator<Item = &'a String>,
    flag: &str,
) -> Result<String, String> {
    rest.next()
        .cloned()
        .ok_or_else(|| format!("{flag} needs a value"))
}

/// `bench counts [--quick] [--out DIR]`.
fn parse_counts(args: &[String], default_out: PathBuf) -> Result<Command, String> {
    let (mut quick, mut out) = (false, default_out);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--out" => {
                out = PathBuf::from(flag_value(&mut rest, "--out")?);
            }
            other => return Err(format!("unexpected argument after counts: {other:?}")),
        }
    }
    Ok(Command::Counts { quick, out })
}

/// `bench op OPERATION RUNTIME N`.
fn parse_op(args: &[String]) -> Result<Command, String> {
    let [op, runtime, n] = args else {
        return Err("op needs an operation, a runtime and a count: op OPERATION RUNTIME N".into());
    };
    Ok(Command::Op {
        op: crate::counts::Op::named(op).ok_or_else(|| format!("no operation {op:?}"))?,
        runtime: Runtime::named(runtime)
            .ok_or_else(|| format!("op needs ghetto-loop or tokio, not {runtime:?}"))?,
        n: number("N", n)?,
    })
}

/// `bench tasks|timers|sync RUNTIME [--cpu N] [the plan's flags]`.
fn parse_child<P: Plan>(
    args: &[String],
    figure: impl FnOnce(P) -> ChildFigure,
) -> Result<Command, String> {
    let what = P::COMMAND;
    let [name, rest @ ..] = args else {
        return Err(format!("{what} needs a runtime: {what} ghetto-loop|tokio"));
    };
    let runtime = Runtime::named(name)
        .ok_or_else(|| format!("{what} needs ghetto-loop or tokio, not {name:?}"))?;
    let mut cpu = None;
    let mut plan = P::default();
    for pair in rest.chunks(2) {
        match pair {
            [flag, n] if flag == "--cpu" => cpu = Some(number("--cpu", n)?),
            [flag, value] => plan.set(flag, value)?,
            other => {
                return Err(format!(
                    "unexpected arguments after {what}: {}",
                    other.join(" ")
                ));
            }
        }
    }
    plan.check()?;
    Ok(Command::Child {
        runtime,
        cpu,
        figure: figure(plan),
    })
}

/// Reads a flag's number, or says what was wrong.
pub(crate) fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
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
        assert!(matches!(
            parse_args(&["counts", "--quick"]),
            Ok(Command::Counts { quick: true, .. })
        ));
        assert!(matches!(
            parse_args(&["op", "timer", "tokio", "10"]),
            Ok(Command::Op { n: 10, .. })
        ));
        assert!(parse_args(&["op", "nap", "tokio", "10"]).is_err());
        assert!(matches!(parse_args(&["--help"]), Ok(Command::Help)));
    }

    #[test]
    fn serve_takes_a_name_an_address_and_a_cpu() {
        let Ok(Command::Serve {
            name,
            addr,
            cpu,
            strace,
            callgrind,
        }) = parse_args(&["serve", "tokio", "127.0.0.1:0", "--cpu", "1"])
        else {
            panic!("should parse");
        };
        assert_eq!((name.as_str(), addr.port(), cpu), ("tokio", 0, Some(1)));
        assert_eq!((strace, callgrind), (None, None));
        let Ok(Command::Serve { callgrind, .. }) =
            parse_args(&["serve", "tokio", "127.0.0.1:0", "--callgrind", "c.out"])
        else {
            panic!("should parse");
        };
        assert_eq!(callgrind, Some(PathBuf::from("c.out")));
        let Ok(Command::Serve { strace, .. }) =
            parse_args(&["serve", "tokio", "127.0.0.1:0", "--strace", "s.txt"])
        else {
            panic!("should parse");
        };
        assert_eq!(strace, Some(PathBuf::from("s.txt")));
    }

    #[test]
    fn children_take_a_runtime_and_a_plan() {
        let Ok(Command::Child {
            runtime,
            cpu,
            figure: ChildFigure::Tasks(plan),
        }) = parse_args(&["tasks", "tokio", "--tasks", "10", "--cpu", "0"])
        else {
            panic!("should parse");
        };
        assert_eq!((runtime, cpu, plan.tasks), (Runtime::Tokio, Some(0), 10));
        assert_eq!(plan.batches, TaskPlan::default().batches);
        let Ok(Command::Child {
            runtime,
            figure: ChildFigure::Timers(plan),
            ..
        }) = parse_args(&["timers", "ghetto-loop", "--crowd", "7", "--load-cpu", "1"])
        else {
            panic!("should parse");
        };
        assert_eq!(runtime, Runtime::GhettoLoop);
        assert_eq!((plan.crowd, plan.load_cpu), (7, Some(1)));
        let Ok(Command::Child {
            figure: ChildFigure::Sync(plan),
            ..
        }) = parse_args(&["sync", "tokio", "--messages", "9"])
        else {
            panic!("should parse");
        };
        assert_eq!(plan.messages, 9);
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
        assert!(bad(&["timers", "tokio", "--series", "1000"]).contains("MICROS:COUNT"));
        assert!(bad(&["sync", "tokio", "--tasks"]).contains("unexpected"));
        assert!(bad(&["sync", "tokio", "--batches", "2"]).contains("sync takes"));
        assert!(bad(&["--out"]).contains("needs a value"));
    }
}

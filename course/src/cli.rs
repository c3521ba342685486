//! The command line every chapter shares.
//!
//! ```text
//! cargo run -p ch01-blocking                      # the self-running demo
//! cargo run -p ch01-blocking -- serve [ADDR]      # a server for nc/telnet
//! cargo run -p ch01-blocking -- client ADDR       # the built-in client
//! ```
//!
//! Chapters may declare options (`--selector epoll`). Anything else prints the
//! usage on stderr and exits with status 2.

use std::net::SocketAddr;
use std::process;

/// What the user asked a chapter binary to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the self-running demo (the default).
    Demo,
    /// Run the chapter's server on `addr` until interrupted.
    Serve {
        /// Where to listen.
        addr: SocketAddr,
    },
    /// Run the built-in line client against `addr`.
    Client {
        /// Where to connect.
        addr: SocketAddr,
    },
}

/// A chapter's command-line interface: its name, a one-line summary, the
/// default `serve` address and any options it takes.
#[derive(Debug, Clone)]
pub struct Cli {
    name: String,
    about: String,
    default_addr: SocketAddr,
    options: Vec<OptionSpec>,
}

#[derive(Debug, Clone)]
struct OptionSpec {
    flag: String,
    values: String,
    default: String,
    help: String,
}

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// The subcommand.
    pub command: Command,
    options: Vec<(String, String)>,
}

impl Args {
    /// The value of a declared option (its default when not given).
    ///
    /// Panics if `flag` was never declared: that is a bug in the chapter,
    /// not bad input.
    pub fn option(&self, flag: &str) -> &str {
        self.options
            .iter()
            .find(|(f, _)| f == flag)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("option {flag} was not declared with Cli::option"))
    }
}

impl Cli {
    /// A CLI for chapter binary `name`, whose `serve` listens on
    /// `default_addr` unless told otherwise.
    pub fn new(name: &str, about: &str, default_addr: &str) -> Cli {
        Cli {
            name: name.to_owned(),
            about: about.to_owned(),
            default_addr: default_addr
                .parse()
                .expect("the chapter's default address must parse"),
            options: Vec::new(),
        }
    }

    /// Declares `--flag VALUE`, with the allowed values shown in the usage
    /// (`"select|poll|epoll"`, or a description like `"MILLISECONDS"`).
    pub fn option(mut self, flag: &str, values: &str, default: &str, help: &str) -> Cli {
        self.options.push(OptionSpec {
            flag: flag.to_owned(),
            values: values.to_owned(),
            default: default.to_owned(),
            help: help.to_owned(),
        });
        self
    }

    /// The usage text.
    pub fn usage(&self) -> String {
        let mut text = format!(
            "{about}\n\nUsage:\n  {n}                 run the self-running demo\n  {n} serve [ADDR]    run the server (default {addr}) for nc, telnet or `client`\n  {n} client ADDR     a line client: type a line, see the reply\n",
            about = self.about,
            n = self.name,
            addr = self.default_addr,
        );
        if !self.options.is_empty() {
            text.push_str("\nOptions:\n");
            for o in &self.options {
                text.push_str(&format!(
                    "  {} <{}>  {} (default {})\n",
                    o.flag, o.values, o.help, o.default
                ));
            }
        }
        text
    }

    /// Parses `std::env::args()`; on bad input prints the usage and exits 2,
    /// and on `-h`/`--help` prints it and exits 0.
    pub fn parse(&self) -> Args {
        match self.try_parse(std::env::args().skip(1)) {
            Ok(args) => args,
            Err(Help) => {
                println!("{}", self.usage());
                process::exit(0);
            }
            Err(Bad(message)) => {
                eprintln!("error: {message}\n\n{}", self.usage());
                process::exit(2);
            }
        }
    }

    /// Parses `args` (without the program name).
    pub fn try_parse(&self, args: impl IntoIterator<Item = String>) -> Result<Args, ParseError> {
        let mut positional = Vec::new();
        let mut options: Vec<(String, String)> = self
            .options
            .iter()
            .map(|o| (o.flag.clone(), o.default.clone()))
            .collect();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "-h" || arg == "--help" {
                return Err(Help);
            }
            if arg.starts_with("--") {
                let (flag, inline) = match arg.split_once('=') {
                    Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
                    None => (arg.clone(), None),
                };
                let spec = self
                    .options
                    .iter()
                    .find(|o| o.flag == flag)
                    .ok_or_else(|| Bad(format!("unknown option {flag}")))?;
                let value = match inline.or_else(|| args.next()) {
                    Some(v) => v,
                    None => return Err(Bad(format!("{flag} needs a value: <{}>", spec.values))),
                };
                if spec.values.contains('|') && !spec.values.split('|').any(|v| v == value) {
                    return Err(Bad(format!(
                        "{flag} must be one of {}, not {value:?}",
                        spec.values
                    )));
                }
                if let Some(slot) = options.iter_mut().find(|(f, _)| *f == flag) {
                    slot.1 = value;
                }
            } else {
                positional.push(arg);
            }
        }
        let parse_addr = |s: &str| -> Result<SocketAddr, ParseError> {
            s.parse()
                .map_err(|_| Bad(format!("{s:?} is not an address like 127.0.0.1:7000")))
        };
        let command = match positional.as_slice() {
            [] => Command::Demo,
            [cmd] if cmd == "demo" => Command::Demo,
            [cmd] if cmd == "serve" => Command::Serve {
                addr: self.default_addr,
            },
            [cmd, addr] if cmd == "serve" => Command::Serve {
                addr: parse_addr(addr)?,
            },
            [cmd, addr] if cmd == "client" => Command::Client {
                addr: parse_addr(addr)?,
            },
            [cmd] if cmd == "client" => {
                return Err(Bad("client needs an address: client ADDR".into()));
            }
            other => return Err(Bad(format!("unexpected arguments: {}", other.join(" ")))),
        };
        Ok(Args { command, options })
    }
}

/// Why the command line was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// `-h` or `--help`.
    Help,
    /// Bad input, with what was wrong.
    Bad(String),
}

use ParseError::{Bad, Help};

/// Turns what a chapter's `main` did into its exit status, printing an
/// error as one `error: ...` line and a `caused by: ...` line for each
/// cause, then exiting 1.
///
/// Why not let `main` return the `anyhow::Result` itself: Rust then prints
/// the error's `Debug` form, and an `anyhow::Error` made while
/// `RUST_BACKTRACE=1` is set carries a backtrace that its `Debug` prints too,
/// twenty frames under "address already in use". A user asked for nothing
/// but the reason.
///
/// ```
/// use std::process::ExitCode;
///
/// fn run() -> Result<(), Box<dyn std::error::Error>> {
///     Ok(())
/// }
///
/// fn main() -> ExitCode {
///     course::cli::exit_code(run())
/// }
/// ```
pub fn exit_code<E: AsRef<dyn std::error::Error>>(result: Result<(), E>) -> process::ExitCode {
    match result {
        Ok(()) => process::ExitCode::SUCCESS,
        Err(error) => {
            eprint!("{}", error_report(error.as_ref()));
            process::ExitCode::FAILURE
        }
    }
}

/// The lines [`exit_code`] prints for `error`.
fn error_report(error: &dyn std::error::Error) -> String {
    let mut text = format!("error: {error}\n");
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(&format!("caused by: {c}\n"));
        cause = c.source();
    }
    text
}

/// What `serve` prints first, on its own line, before serving: tools (the
/// benchmark, tests) wait for this line to learn the port.
pub fn announce_listening(addr: SocketAddr) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {addr}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli() -> Cli {
        Cli::new("ch06-epoll", "about", "127.0.0.1:7006").option(
            "--selector",
            "select|poll|epoll",
            "epoll",
            "backend",
        )
    }

    fn parse(args: &[&str]) -> Result<Args, ParseError> {
        cli().try_parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn subcommands_and_defaults() {
        assert_eq!(parse(&[]).unwrap().command, Command::Demo);
        assert_eq!(
            parse(&["serve"]).unwrap().command,
            Command::Serve {
                addr: "127.0.0.1:7006".parse().unwrap()
            }
        );
        assert_eq!(
            parse(&["client", "127.0.0.1:9"]).unwrap().command,
            Command::Client {
                addr: "127.0.0.1:9".parse().unwrap()
            }
        );
        assert_eq!(parse(&[]).unwrap().option("--selector"), "epoll");
        assert_eq!(
            parse(&["--selector", "poll"]).unwrap().option("--selector"),
            "poll"
        );
        assert_eq!(
            parse(&["serve", "--selector=select"])
                .unwrap()
                .option("--selector"),
            "select"
        );
    }

    #[test]
    fn an_error_is_one_line_and_a_line_per_cause() {
        #[derive(Debug)]
        struct Bind(std::io::Error);
        impl std::fmt::Display for Bind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("could not listen on 127.0.0.1:7001")
            }
        }
        impl std::error::Error for Bind {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let taken = Bind(std::io::Error::from(std::io::ErrorKind::AddrInUse));
        assert_eq!(
            error_report(&taken),
            "error: could not listen on 127.0.0.1:7001\ncaused by: address in use\n"
        );
    }

    #[test]
    fn bad_input_says_what_was_wrong() {
        let bad = |args: &[&str]| match parse(args) {
            Err(Bad(m)) => m,
            other => panic!("expected an error, got {other:?}"),
        };
        assert!(bad(&["serve", "nowhere"]).contains("not an address"));
        assert!(bad(&["client"]).contains("needs an address"));
        assert!(bad(&["--selector", "kqueue"]).contains("must be one of select|poll|epoll"));
        assert!(bad(&["--frobnicate", "1"]).contains("unknown option"));
        assert!(bad(&["dance"]).contains("unexpected"));
        assert_eq!(parse(&["--help"]).unwrap_err(), Help);
    }
}

//! A runtime measured in a fresh child process of its own: `bench tasks`,
//! `bench timers` and `bench sync`, each for `ghetto-loop` or `tokio`.
//!
//! Each figure of a runtime (what its tasks cost, how late its timers fire,
//! how fast its mutex and channel go) is measured in a process that runs
//! that runtime alone: the RSS a runtime's tasks add is then theirs alone,
//! one runtime's heap never serves the other's tasks, and a setting one of
//! them makes for its thread (ghetto-loop asks the kernel for 1 ns of timer
//! slack) cannot leak into the other's figures.
//!
//! The harness starts the child with the plan as flags ([`Plan`]); the child
//! prints its figures on one line of named numbers ([`Line`]), which
//! [`measure`] reads back.

use std::fmt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

/// The runtimes compared in a child process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// tokio's current-thread runtime: the baseline.
    Tokio,
    /// ghetto-loop: its tasks (chapter 14), timers (16) and sync (17).
    GhettoLoop,
}

impl Runtime {
    /// Both, tokio first, as the report's tables show them.
    pub const ALL: [Runtime; 2] = [Runtime::Tokio, Runtime::GhettoLoop];

    /// `"tokio"` or `"ghetto-loop"`.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Tokio => crate::servers::TOKIO,
            Runtime::GhettoLoop => "ghetto-loop",
        }
    }

    /// The runtime called `name`.
    pub fn named(name: &str) -> Option<Runtime> {
        Runtime::ALL.into_iter().find(|r| r.name() == name)
    }

    /// tokio's current-thread runtime as the figures use it: its I/O and
    /// timer drivers on, as in any server (ghetto-loop's loop always has its
    /// selector and its timer heap).
    pub fn tokio() -> std::io::Result<tokio::runtime::Runtime> {
        Runtime::tokio_builder().build()
    }

    /// The builder behind [`Runtime::tokio`], for a figure that adds a hook.
    pub fn tokio_builder() -> tokio::runtime::Builder {
        let mut builder = tokio::runtime::Builder::new_current_thread();
        builder.enable_io().enable_time();
        builder
    }
}

/// What a child measures and how much: it travels to the child as flags.
pub trait Plan: Sized + Default {
    /// The subcommand that measures it: `tasks`, `timers` or `sync`.
    const COMMAND: &'static str;

    /// The plan as `--flag value` pairs.
    fn to_args(&self) -> Vec<String>;

    /// Sets the field `flag` names from `value`, as the child reads its
    /// command line; says what was wrong otherwise.
    fn set(&mut self, flag: &str, value: &str) -> Result<(), String>;

    /// Says what is wrong with a plan read from the command line.
    fn check(&self) -> Result<(), String>;
}

/// Figures a child prints, as one [`Line`].
pub trait Figures: Sized {
    /// The line the child prints.
    fn to_line(&self) -> Line;

    /// The figures, if `line` has every one of them.
    fn from_line(line: &Line) -> Option<Self>;
}

/// Named numbers on one line, `name value name value ...`: what a child
/// prints, and all it prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line(Vec<(String, f64)>);

impl Line {
    /// Adds `name` (no spaces) with `value`.
    pub fn push(&mut self, name: impl Into<String>, value: f64) {
        self.0.push((name.into(), value));
    }

    /// The value called `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// Reads a line written by `Display`; `None` if it is not one.
    pub fn parse(text: &str) -> Option<Line> {
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() || words.len() % 2 != 0 {
            return None;
        }
        let pairs = words.chunks(2).map(|pair| match pair {
            [name, value] => Some((name.to_string(), value.parse().ok()?)),
            _ => None,
        });
        pairs.collect::<Option<Vec<_>>>().map(Line)
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name} {value:.1}")?;
        }
        Ok(())
    }
}

/// Runs `bench COMMAND RUNTIME --cpu CPU [plan flags]` and reads its
/// figures; `limit` bounds how long it may take.
pub fn measure<P: Plan, F: Figures>(
    runtime: Runtime,
    plan: &P,
    cpu: usize,
    limit: Duration,
) -> anyhow::Result<F> {
    let what = P::COMMAND;
    let exe = crate::this_binary();
    let mut child = Command::new(exe)
        .args([what, runtime.name(), "--cpu", &cpu.to_string()])
        .args(plan.to_args())
        // ghetto-loop's loop runs on the backend this names; the figures
        // are for epoll, the default, whatever the caller's environment
        // says (as for the servers).
        .env(ghetto_loop::sys::SELECTOR_ENV, "epoll")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start the {what} child"))?;
    // Its output is one line, or an error: far below a pipe's capacity, so
    // it cannot block writing while we wait here.
    let deadline = Instant::now() + limit;
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the {what} child did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!(
            "the {what} child failed ({}): {}",
            out.status,
            stderr.trim()
        );
    }
    Line::parse(stdout.trim())
        .and_then(|line| F::from_line(&line))
        .ok_or_else(|| anyhow!("the {what} child printed {stdout:?}, not its figures"))
}

/// The child's side, before it measures: die with the harness, and pin to
/// `cpu` if asked.
pub fn enter(cpu: Option<usize>) -> anyhow::Result<()> {
    crate::server_process::die_with_parent().context("cannot tie the child to the harness")?;
    if let Some(cpu) = cpu {
        crate::pin::pin_current_thread(cpu).with_context(|| format!("cannot pin to CPU {cpu}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_survives_printing() {
        let mut line = Line::default();
        line.push("spawn_join_ns", 123.4);
        line.push("idle_task_bytes", 256.0);
        let back = Line::parse(&line.to_string()).unwrap();
        assert_eq!(back, line);
        assert_eq!(back.get("idle_task_bytes"), Some(256.0));
        assert_eq!(back.get("nothing"), None);
        assert_eq!(Line::parse("error: boom"), None);
        assert_eq!(Line::parse(""), None);
    }

    #[test]
    fn runtimes_have_names() {
        for runtime in Runtime::ALL {
            assert_eq!(Runtime::named(runtime.name()), Some(runtime));
        }
        assert_eq!(Runtime::named("asyncio"), None);
    }
}

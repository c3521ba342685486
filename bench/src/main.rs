//! `bench`: runs a benchmark suite, or (for the harness) one server or one
//! runtime's task, timer or sync figures.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use bench::child::{Figures, Runtime};
use bench::cli::{self, ChildFigure, Command};
use bench::syscalls::Tracer;
use bench::{harness, servers};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args, bench::default_out_dir()) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("error: {message}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{}", cli::USAGE);
            Ok(())
        }
        Command::List => {
            for server in servers::SERVERS.iter().chain(bench::http::SERVERS) {
                println!("{:<24} {}", server.name, server.what);
            }
            Ok(())
        }
        Command::Serve {
            name,
            addr,
            cpu,
            strace,
            callgrind,
        } => {
            let traced = match (strace, callgrind) {
                (Some(file), _) => Some((Tracer::Strace, file)),
                (None, Some(file)) => Some((Tracer::Callgrind, file)),
                (None, None) => None,
            };
            serve(&name, addr, cpu, traced)
        }
        Command::Counts { quick, out } => bench::counts::run(quick, &out),
        Command::Op { op, runtime, n } => bench::counts::do_op(op, runtime, n),
        Command::Soak { plan, out } => bench::soak::run(&plan, &out),
        Command::Child {
            runtime,
            cpu,
            figure,
        } => child(runtime, cpu, figure),
        Command::Run { suite, out } => run(&suite, &out, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The child side of the harness: pin, raise the fd limit, serve (or have
/// a tracer run all that, if asked).
fn serve(
    name: &str,
    addr: std::net::SocketAddr,
    cpu: Option<usize>,
    traced: Option<(Tracer, PathBuf)>,
) -> anyhow::Result<()> {
    let server = servers::find(name)
        .or_else(|| bench::http::find(name))
        .ok_or_else(|| anyhow!("no server called {name:?} (try `bench list`)"))?;
    bench::server_process::die_with_parent().context("cannot tie the server to the harness")?;
    if let Some(cpu) = cpu {
        // Before the server starts any thread, so that they all inherit it.
        bench::pin::pin_current_thread(cpu).with_context(|| format!("cannot pin to CPU {cpu}"))?;
    }
    if let Some((tracer, out)) = traced {
        // Only returns if the tracer could not be run.
        let e = bench::syscalls::exec_traced(tracer, &out, name, addr, cpu);
        return Err(e).with_context(|| format!("cannot run {tracer:?}"));
    }
    ghetto_loop::sys::raise_fd_limit().context("cannot raise the open-file limit")?;
    (server.serve)(addr)
}

/// The child side of the runtime figures: pin, measure, print one line.
fn child(runtime: Runtime, cpu: Option<usize>, figure: ChildFigure) -> anyhow::Result<()> {
    bench::child::enter(cpu)?;
    let line = match figure {
        ChildFigure::Tasks(plan) => bench::tasks::measure_here(runtime, plan)?.to_line(),
        ChildFigure::Timers(plan) => bench::timers::measure_here(runtime, &plan)?.to_line(),
        ChildFigure::Sync(plan) => bench::sync::measure_here(runtime, plan)?.to_line(),
    };
    println!("{line}");
    Ok(())
}

fn run(suite: &bench::suite::Suite, out: &std::path::Path, args: &[String]) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut cargo = "cargo run --release -p bench".to_owned();
    if !args.is_empty() {
        cargo = format!("{cargo} -- {}", args.join(" "));
    }
    // Name the make target when that is what ran, as the README says it.
    let command = match args.join(" ").as_str() {
        "--suite default" => format!("`make bench` (`{cargo}`)"),
        "--suite quick" => format!("`make bench-quick` (`{cargo}`)"),
        _ => format!("`{cargo}`"),
    };
    let results = harness::run(suite, out, command)?;
    bench::write_outputs(&results, out)?;
    eprintln!(
        "bench: done in {}; report: {}",
        harness::minutes(results.elapsed),
        out.join("report.md").display()
    );
    Ok(())
}

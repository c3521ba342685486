//! The demo output that the chapters' READMEs and the decks quote is what a
//! real run prints: each marked block (`<!-- // output: chNN-... -->`, see
//! `course::quoted`) is checked against one run of its chapter's binary,
//! numbers masked. Each binary runs once however many blocks quote it, one
//! per core at a time, so the whole check costs about the sum of the demos'
//! run times divided by the cores (some 15 s on two).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use course::markdown::{self, CodeBlock};
use course::quoted::{self, Source};

/// How long one demo may take before the check gives up on it. Demos take
/// seconds; this bounds a hung one, it is not a claim about speed.
const PATIENCE: Duration = Duration::from_secs(300);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every chapter README and every deck.
fn texts() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join("chapters"))
        .unwrap()
        .map(|e| e.unwrap().path().join("README.md"))
        .filter(|p| p.is_file())
        .collect();
    files.extend(
        fs::read_dir(root().join("slides"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "md")),
    );
    files.sort();
    files
}

/// A marked block and where it is.
struct Quote {
    file: PathBuf,
    block: CodeBlock,
    source: Source,
}

fn quotes() -> Vec<Quote> {
    let mut quotes = Vec::new();
    for file in texts() {
        let text = fs::read_to_string(&file).unwrap();
        for block in markdown::code_blocks(&text) {
            let Some(note) = &block.note else { continue };
            match Source::parse(note) {
                Ok(Some(source)) => quotes.push(Quote {
                    file: file.clone(),
                    block,
                    source,
                }),
                Ok(None) => {}
                Err(e) => panic!("{}:{}: {e}", file.display(), block.first_line - 1),
            }
        }
    }
    quotes
}

/// A block that looks like a demo's timeline must say which demo it
/// quotes, or the check below would never see it.
#[test]
fn every_block_of_timeline_output_is_marked() {
    let mut unmarked = Vec::new();
    for file in texts() {
        let text = fs::read_to_string(&file).unwrap();
        for block in markdown::code_blocks(&text) {
            let marked = block
                .note
                .as_deref()
                .is_some_and(|n| matches!(Source::parse(n), Ok(Some(_))));
            if !marked && block.lines.iter().any(|l| quoted::is_timeline(l)) {
                unmarked.push(format!("{}:{}", file.display(), block.first_line));
            }
        }
    }
    assert!(
        unmarked.is_empty(),
        "blocks of timeline output without a `<!-- // output: chNN-... -->` line above them:\n{}",
        unmarked.join("\n")
    );
}

#[test]
fn quoted_output_is_what_a_run_prints() {
    let quotes = quotes();
    assert!(!quotes.is_empty(), "no marked block found");
    let commands: Vec<(String, Vec<String>)> = quotes
        .iter()
        .map(|q| (q.source.package.clone(), q.source.args.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    build(commands.iter().map(|(package, _)| package.as_str()));
    // As many runs at a time as there are cores: more would only make the
    // demos' timings (and the lines that report them) noisier.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let outputs: BTreeMap<&(String, Vec<String>), String> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..workers)
            .map(|w| {
                let mine: Vec<_> = commands.iter().skip(w).step_by(workers).collect();
                s.spawn(move || {
                    mine.into_iter()
                        .map(|c| (c, run(&c.0, &c.1)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().unwrap())
            .collect()
    });
    let mut failures = Vec::new();
    for q in &quotes {
        let key = (q.source.package.clone(), q.source.args.clone());
        let output = outputs[&key].as_str();
        let lines: Vec<&str> = q.block.lines.iter().map(String::as_str).collect();
        if let Err(e) = quoted::check(&lines, output, q.source.per_name) {
            failures.push(format!(
                "{}:{} quotes {}: {e}\n--- that run printed:\n{output}",
                q.file.display(),
                q.block.first_line,
                q.source.package
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} quoted block(s) differ from a real run:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Builds the chapters' binaries in one cargo call, so they are current,
/// into the directory and profile this test was built for.
fn build<'a>(packages: impl Iterator<Item = &'a str>) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let profile = bin_dir();
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root())
        .args(["build", "-q", "--target-dir"]);
    cmd.arg(profile.parent().unwrap());
    if profile.ends_with("release") {
        cmd.arg("--release");
    }
    for package in packages {
        cmd.args(["-p", package]);
    }
    let status = cmd.status().expect("cargo build runs");
    assert!(status.success(), "building the quoted chapters failed");
}

/// Where the binaries of this build are: this test runs from
/// `target/PROFILE/deps/`, and they sit in `target/PROFILE/`.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// Runs a chapter's binary with its stderr merged into its stdout, as a
/// terminal shows them, and returns what it printed.
fn run(package: &str, args: &[String]) -> String {
    let bin = bin_dir().join(package);
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" \"$@\" 2>&1")
        .arg(&bin)
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let read = stdout.read_to_string(&mut text);
        let _ = tx.send(read.map(|_| text));
    });
    match rx.recv_timeout(PATIENCE) {
        Ok(Ok(text)) => {
            let status = child.wait().unwrap();
            assert!(
                status.success(),
                "{package} {args:?} failed ({status}):\n{text}"
            );
            text
        }
        Ok(Err(e)) => panic!("{package}: reading its output: {e}"),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{package} {args:?} did not finish within {PATIENCE:?}");
        }
    }
}

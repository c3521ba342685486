//! The exercise switch: which file an exercise crate compiles.
//!
//! Every exercise crate has three versions of the same module:
//!
//! * `starter.rs`: what the learner starts from; compiles, fails the tests.
//! * `solution.rs`: the reference solution; passes the tests.
//! * `mine.rs`: the learner's own work, a copy of the starter made by
//!   `make exercise EX=..`. Git ignores it, so a `git pull` of course updates
//!   never touches it.
//!
//! `build.rs` calls [`select_source`], which picks one:
//! `GHETTO_EXERCISE=starter|solution|mine` if set, else `mine.rs` if it
//! exists, else the solution. A plain `cargo test --workspace` therefore
//! checks the reference solutions, or the learner's own work once there is
//! some; `make exercise` always asks for `mine` by name. It tells rustc with
//! `--cfg exercise="..."`, and `src/lib.rs` `include!`s the chosen file into
//! an inline module (EXERCISES.md says why not `#[path]`).
//!
//! One more choice is for the course's own check that the tests have teeth:
//! `GHETTO_EXERCISE=wrong:FILE` compiles FILE, a deliberately wrong version,
//! in the place of the others (cfg `exercise="wrong"`, the path in the
//! `GHETTO_EXERCISE_FILE` environment variable of the compiler).

use std::path::Path;

/// Picks the exercise version to compile; call it from `build.rs`.
pub fn select_source() {
    println!(
        "cargo::rustc-check-cfg=cfg(exercise, values(\"starter\", \"solution\", \"mine\", \"wrong\"))"
    );
    println!("cargo::rerun-if-env-changed=GHETTO_EXERCISE");
    println!("cargo::rerun-if-changed=mine.rs");
    let has_mine = Path::new("mine.rs").exists();
    let wanted = std::env::var("GHETTO_EXERCISE");
    let chosen = match wanted.as_deref() {
        Ok("starter") => "starter",
        Ok("solution") => "solution",
        Ok("mine") if has_mine => "mine",
        Ok("mine") => panic!(
            "GHETTO_EXERCISE=mine, but there is no mine.rs yet: run `make exercise EX=..` first"
        ),
        Ok(other) if other.starts_with("wrong:") => {
            let file = Path::new(&other["wrong:".len()..]);
            let file = std::fs::canonicalize(file)
                .unwrap_or_else(|e| panic!("GHETTO_EXERCISE={other}: {e}"));
            println!("cargo::rerun-if-changed={}", file.display());
            println!("cargo::rustc-env=GHETTO_EXERCISE_FILE={}", file.display());
            "wrong"
        }
        Ok(other) => {
            panic!("GHETTO_EXERCISE must be starter, solution, mine or wrong:FILE, not {other:?}")
        }
        Err(_) if has_mine => "mine",
        Err(_) => "solution",
    };
    println!("cargo::rustc-cfg=exercise=\"{chosen}\"");
}

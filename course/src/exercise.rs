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
//! exists, else the starter. It tells rustc with `--cfg exercise="..."`, and
//! `src/lib.rs` `include!`s the chosen file into an inline module (EXERCISES.md
//! says why not `#[path]`).

use std::path::Path;

/// Picks the exercise version to compile; call it from `build.rs`.
pub fn select_source() {
    println!("cargo::rustc-check-cfg=cfg(exercise, values(\"starter\", \"solution\", \"mine\"))");
    println!("cargo::rerun-if-env-changed=GHETTO_EXERCISE");
    println!("cargo::rerun-if-changed=mine.rs");
    let has_mine = Path::new("mine.rs").exists();
    let chosen = match std::env::var("GHETTO_EXERCISE").as_deref() {
        Ok("starter") => "starter",
        Ok("solution") => "solution",
        Ok("mine") if has_mine => "mine",
        Ok("mine") => panic!(
            "GHETTO_EXERCISE=mine, but there is no mine.rs yet: run `make exercise EX=..` first"
        ),
        Ok(other) => panic!("GHETTO_EXERCISE must be starter, solution or mine, not {other:?}"),
        Err(_) if has_mine => "mine",
        Err(_) => "starter",
    };
    println!("cargo::rustc-cfg=exercise=\"{chosen}\"");
}

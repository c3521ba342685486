//! Turns every slide deck into a doctest module, so that `cargo test --doc`
//! compiles and runs each deck's Rust code blocks (see `src/slides.rs`).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let slides = Path::new(env!("CARGO_MANIFEST_DIR")).join("../slides");
    println!("cargo::rerun-if-changed={}", slides.display());
    let mut decks: Vec<_> = std::fs::read_dir(&slides)
        .map(|dir| {
            dir.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    decks.sort();
    let mut code = String::new();
    for deck in decks {
        // The directory line above notices decks being added or removed;
        // this one notices a deck being edited.
        println!("cargo::rerun-if-changed={}", deck.display());
        let stem = deck
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('-', "_");
        writeln!(
            code,
            "#[doc = include_str!({:?})]",
            deck.canonicalize().unwrap().display().to_string()
        )
        .unwrap();
        writeln!(
            code,
            "#[allow(missing_docs, non_camel_case_types)]\npub struct Deck_{stem};"
        )
        .unwrap();
    }
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("slides.rs");
    std::fs::write(out, code).unwrap();
}

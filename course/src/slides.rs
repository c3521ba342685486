//! The slide decks' code, compiled as doctests.
//!
//! `build.rs` makes one item per deck in `slides/` whose doc is the deck
//! itself, so `cargo test --doc -p course` compiles and runs every Rust code
//! block of every deck. Slides use rustdoc's convention for hidden lines
//! (`# ` at the start), which presenterm also hides, so a slide can show
//! three lines of a program that compiles in full.
include!(concat!(env!("OUT_DIR"), "/slides.rs"));

//! The decks' shape: every chapter has one, each is 10-25 slides with speaker
//! notes, and every external snippet they include exists.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn decks() -> Vec<PathBuf> {
    let mut decks: Vec<_> = fs::read_dir(root().join("slides"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    decks.sort();
    decks
}

#[test]
fn every_chapter_has_a_deck_and_the_intro_exists() {
    let names: Vec<String> = decks()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n == "00-intro"),
        "slides/00-intro.md is missing"
    );
    for chapter in fs::read_dir(root().join("chapters")).unwrap() {
        let name = chapter.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            names.contains(&name),
            "chapter {name} has no deck slides/{name}.md"
        );
    }
}

#[test]
fn decks_are_10_to_25_slides_with_a_title_and_speaker_notes() {
    for deck in decks() {
        let text = fs::read_to_string(&deck).unwrap();
        let name = deck.display();
        assert!(
            text.starts_with("---\n") && text.contains("\ntitle:"),
            "{name}: needs a front matter with a title"
        );
        let slides = text
            .lines()
            .filter(|l| l.trim() == "<!-- end_slide -->")
            .count()
            + 1;
        assert!(
            (10..=25).contains(&slides),
            "{name}: {slides} slides; a deck has 10 to 25"
        );
        let notes = text.matches("<!-- speaker_note:").count();
        assert!(
            notes * 2 >= slides,
            "{name}: {notes} speaker notes for {slides} slides; give at least every other slide one"
        );
    }
}

#[test]
fn external_snippets_point_at_real_lines() {
    for deck in decks() {
        let text = fs::read_to_string(&deck).unwrap();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if !line.starts_with("```file") {
                continue;
            }
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            let field = |key: &str| {
                block
                    .iter()
                    .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_owned()))
            };
            let path = field("path:")
                .unwrap_or_else(|| panic!("{}: a file snippet without a path", deck.display()));
            // presenterm resolves the path relative to the deck.
            let file = deck.parent().unwrap().join(&path);
            let source = fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: snippet {path}: {e}", deck.display()));
            let count = source.lines().count();
            for key in ["start_line:", "end_line:"] {
                if let Some(n) = field(key) {
                    let n: usize = n.parse().unwrap();
                    assert!(
                        n >= 1 && n <= count,
                        "{}: {path} has {count} lines, {key} {n}",
                        deck.display()
                    );
                }
            }
        }
    }
}

/// presenterm reads a comment command as YAML, so a one-line speaker note
/// with `: ` or ` #` in it is a parse error that stops the whole deck. Quote
/// such a note, or write it as a block (`<!-- speaker_note: |` on its own
/// line, the text below, then `-->`).
#[test]
fn one_line_speaker_notes_are_valid_yaml_scalars() {
    for deck in decks() {
        let text = fs::read_to_string(&deck).unwrap();
        for (n, line) in text.lines().enumerate() {
            let Some(rest) = line.trim().strip_prefix("<!-- speaker_note:") else {
                continue;
            };
            let value = rest.trim().trim_end_matches("-->").trim();
            if value.starts_with(['"', '\'', '|', '>']) || value.is_empty() {
                continue;
            }
            assert!(
                !value.contains(": ")
                    && !value.contains(" #")
                    && !value.starts_with(['-', '*', '&', '!', '%', '@', '`', '[', '{']),
                "{}:{}: this speaker note is not a plain YAML scalar (it has ': ', ' #' or starts with a YAML sign); quote it or use a `|` block",
                deck.display(),
                n + 1
            );
        }
    }
}

//! The decks' shape: every chapter has one, each is 10-25 slides with speaker
//! notes, every external snippet and image they include exists, no code line
//! is wider than a slide, and the index of the HTML export names and counts
//! them right.

use std::fs;
use std::path::{Path, PathBuf};

use course::slides::{self, CODE_COLUMNS, Deck, SLIDE_COLUMNS};

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
        let slides = slides::slide_count(&text);
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

#[test]
fn no_code_line_is_wider_than_a_slide() {
    let mut wide = Vec::new();
    for deck in decks() {
        let text = fs::read_to_string(&deck).unwrap();
        for line in slides::wide_code_lines(&text) {
            wide.push(format!(
                "{}:{}: {} columns: {}",
                deck.display(),
                line.line,
                line.columns,
                line.text
            ));
        }
    }
    assert!(
        wide.is_empty(),
        "{} code line(s) wider than the {CODE_COLUMNS} columns a slide gives a code block; \
         presenterm would wrap them (shorten them, or break them):\n{}",
        wide.len(),
        wide.join("\n")
    );
}

/// [`CODE_COLUMNS`] was measured for one slide width and the default theme;
/// this says when that no longer holds.
#[test]
fn the_code_width_was_measured_for_these_settings() {
    let config = fs::read_to_string(root().join("slides/presenterm.yaml")).unwrap();
    let widths: Vec<usize> = config
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("max_columns:")
                .or_else(|| l.strip_prefix("columns:"))
        })
        .map(|v| v.trim().parse().unwrap())
        .collect();
    assert_eq!(
        widths,
        [SLIDE_COLUMNS, SLIDE_COLUMNS],
        "slides/presenterm.yaml: max_columns and the export's columns must be {SLIDE_COLUMNS}, \
         the width CODE_COLUMNS was measured at; measure it again for another width"
    );
    for deck in decks() {
        let text = fs::read_to_string(&deck).unwrap();
        let front = text.split("\n---").next().unwrap_or("");
        assert!(
            !front.contains("\ntheme:") && !front.contains("\noptions:"),
            "{}: a theme or options in the front matter change the layout CODE_COLUMNS was measured for",
            deck.display()
        );
        assert!(
            !text.contains("<!-- column_layout:") || !column_has_code(&text),
            "{}: a code block inside a column layout is narrower than CODE_COLUMNS, which this test cannot check",
            deck.display()
        );
    }
}

/// Whether any code block sits between a `column_layout` and its
/// `reset_layout`.
fn column_has_code(text: &str) -> bool {
    let mut in_columns = false;
    for line in text.lines() {
        if line.starts_with("<!-- column_layout:") {
            in_columns = true;
        } else if line.starts_with("<!-- reset_layout") || line.trim() == "<!-- end_slide -->" {
            in_columns = false;
        } else if in_columns && line.starts_with("```") {
            return true;
        }
    }
    false
}

#[test]
fn images_resolve_from_the_deck() {
    for deck in decks() {
        let text = fs::read_to_string(&deck).unwrap();
        for (n, line) in text.lines().enumerate() {
            let Some(start) = line.find("](") else {
                continue;
            };
            if !line[..start].contains("![") {
                continue;
            }
            let path = &line[start + 2..line[start..].find(')').unwrap() + start];
            // presenterm resolves an image path relative to the deck.
            let file = deck.parent().unwrap().join(path);
            assert!(
                file.is_file(),
                "{}:{}: image {path} does not exist ({})",
                deck.display(),
                n + 1,
                file.display()
            );
        }
    }
}

#[test]
fn the_index_names_each_deck_once_and_counts_every_slide() {
    let decks = slides::read_decks(&root().join("slides")).unwrap();
    assert_eq!(decks.len(), self::decks().len(), "read_decks missed a deck");
    let intro = &decks[0];
    assert_eq!(intro.heading(), "00 · Async under the hood");
    let one = decks.iter().find(|d| d.name == "01-blocking").unwrap();
    assert_eq!(one.heading(), "01 · Blocking sockets");
    let html = slides::index_html(&decks);
    for deck in &decks {
        let text = fs::read_to_string(root().join(format!("slides/{}.md", deck.name))).unwrap();
        let separators = text.matches("\n<!-- end_slide -->").count();
        // The title slide presenterm makes from the front matter, then
        // one slide per separator and the last one.
        assert_eq!(deck.slides, separators + 2, "{}", deck.name);
        let row = format!(
            "<a href=\"{}.html\">{}</a> <small>({} slides)</small>",
            deck.name,
            deck.heading().replace('&', "&amp;").replace('<', "&lt;"),
            deck.slides
        );
        assert!(html.contains(&row), "the index has no row {row}");
        assert_eq!(
            html.matches(deck.heading().as_str()).count(),
            1,
            "{} is named more than once",
            deck.name
        );
    }
}

#[test]
fn a_deck_without_a_title_is_refused() {
    let err = Deck::parse("99-untitled", "---\nsub_title: x\n---\n").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("title"), "{err}");
}

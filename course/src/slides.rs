//! The slide decks as data: titles, slide counts, code lines too wide for
//! a slide, and the index page `make slides-html` writes. Not part of any
//! chapter.
//!
//! Every deck's Rust code blocks are also compiled as doctests: `build.rs`
//! makes one item per deck in `slides/` whose doc is the deck itself, so
//! `cargo test --doc -p course` compiles and runs each of them. Slides use
//! rustdoc's convention for hidden lines (`# ` at the start), which
//! presenterm also hides, so a slide can show three lines of a program that
//! compiles in full.

use std::io;
use std::path::Path;

use crate::markdown;

/// How many columns of a code block's text fit on a slide without wrapping.
///
/// presenterm centres a slide's code blocks and keeps a margin around them,
/// so a block gets fewer columns than the slide. With the default theme and
/// the 110 columns that `slides/presenterm.yaml` sets (`max_columns`, and
/// the export's `columns`), that is 72: a deck of lines 66 to 95 columns
/// wide, exported by presenterm 0.16.1, wraps every line from 73 columns
/// on, in every language. The terminal shows the same layout when it is at
/// least 110 columns wide. Change the width or the theme and this number
/// must be measured again.
pub const CODE_COLUMNS: usize = 72;

/// The slide width [`CODE_COLUMNS`] was measured at.
pub const SLIDE_COLUMNS: usize = 110;

/// One deck: `slides/NN-slug.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deck {
    /// The file name without `.md`, e.g. `01-blocking`.
    pub name: String,
    /// The `title:` of the front matter, without quotes.
    pub title: String,
    /// How many slides presenterm shows (see [`slide_count`]).
    pub slides: usize,
}

impl Deck {
    /// Reads a deck's title and counts its slides; `name` is its file name
    /// without `.md`.
    ///
    /// A deck without a front matter title is refused with
    /// `ErrorKind::InvalidData`: presenterm would show it without its title
    /// slide, and the index would have nothing to call it.
    pub fn parse(name: &str, text: &str) -> io::Result<Deck> {
        let title = front_matter(text)
            .lines()
            .find_map(|l| l.strip_prefix("title:"))
            .map(|t| t.trim().trim_matches('"').trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("deck {name}: no `title:` in its front matter"),
                )
            })?;
        Ok(Deck {
            name: name.to_owned(),
            title,
            slides: slide_count(text),
        })
    }

    /// The chapter number the file name starts with (`01`; `00` for the
    /// introduction).
    pub fn number(&self) -> &str {
        self.name.split('-').next().unwrap_or("")
    }

    /// The deck's name for a list of decks: its title, with the chapter
    /// number in front unless the title already starts with it, so that
    /// every deck is named once, as `01 · Blocking sockets`.
    pub fn heading(&self) -> String {
        if self.title.starts_with(self.number()) {
            self.title.clone()
        } else {
            format!("{} · {}", self.number(), self.title)
        }
    }
}

/// How many slides presenterm makes of a deck: a title slide from the front
/// matter when it has a `title:`, then one slide per `<!-- end_slide -->`
/// plus the last one.
///
/// ```
/// let deck = "---\ntitle: T\n---\n\nOne\n\n<!-- end_slide -->\n\nTwo\n";
/// assert_eq!(course::slides::slide_count(deck), 3);
/// ```
pub fn slide_count(text: &str) -> usize {
    let title_slide = usize::from(front_matter(text).lines().any(|l| l.starts_with("title:")));
    let ends = text
        .lines()
        .filter(|l| l.trim() == "<!-- end_slide -->")
        .count();
    title_slide + ends + 1
}

/// How many slides an HTML export by presenterm has, read from the footer
/// of its last page (`18 / 18`, presenterm's default); `None` if there is
/// no such footer. `make slides-html` compares it with [`slide_count`], so
/// the rule that counts stays presenterm's.
///
/// ```
/// let page = r#"<pre><span style="color: #e6e6e6">17 / 18</span></pre>
/// <pre><span style="color: #e6e6e6">18 / 18</span> </pre>"#;
/// assert_eq!(course::slides::exported_slide_count(page), Some(18));
/// ```
pub fn exported_slide_count(html: &str) -> Option<usize> {
    html.split("</span>")
        .filter_map(|piece| {
            let text = &piece[piece.rfind('>')? + 1..];
            let (shown, total) = text.split_once(" / ")?;
            shown.trim().parse::<usize>().ok()?;
            total.trim().parse().ok()
        })
        .last()
}

/// Every deck in `dir` (files named `NN-*.md`), in order.
pub fn read_decks(dir: &Path) -> io::Result<Vec<Deck>> {
    let mut decks = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".md"))
        else {
            continue;
        };
        if name.len() > 3 && name.as_bytes()[..2].iter().all(u8::is_ascii_digit) {
            decks.push(Deck::parse(name, &std::fs::read_to_string(&path)?)?);
        }
    }
    decks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(decks)
}

/// The index page of the HTML export: one link per deck, to `NAME.html`,
/// named by [`Deck::heading`] and with its slide count.
pub fn index_html(decks: &[Deck]) -> String {
    let rows: String = decks
        .iter()
        .map(|d| {
            format!(
                "<li><a href=\"{}.html\">{}</a> <small>({} slides)</small></li>\n",
                escape(&d.name),
                escape(&d.heading()),
                d.slides
            )
        })
        .collect();
    format!(
        "<!doctype html>
<html lang=\"en\">
<head><meta charset=\"utf-8\"><title>ghetto-loop: async under the hood, the slides</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:3em auto;line-height:1.6}}
ul{{list-style:none;padding:0}}</style></head>
<body>
<h1>ghetto-loop: async under the hood</h1>
<p>One deck per chapter. Present them in a terminal with <code>make slides CH=NN</code>.</p>
<ul>
{rows}</ul>
</body>
</html>
"
    )
}

/// A code line wider than [`CODE_COLUMNS`]: where it is and how wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WideLine {
    /// The 1-based line number in the deck.
    pub line: usize,
    /// Its width in columns.
    pub columns: usize,
    /// The line itself.
    pub text: String,
}

/// The code lines of a deck that presenterm would wrap. Lines a Rust block
/// hides (`# ` or a lone `#`) are not shown, so they may be as wide as they
/// like.
///
/// ```
/// let deck = format!("```text\n{}\n```\n", "x".repeat(73));
/// assert_eq!(course::slides::wide_code_lines(&deck)[0].columns, 73);
/// ```
pub fn wide_code_lines(text: &str) -> Vec<WideLine> {
    let mut wide = Vec::new();
    for block in markdown::code_blocks(text) {
        let rust = block.language() == "rust";
        for (i, line) in block.lines.iter().enumerate() {
            if rust && (line.starts_with("# ") || line == "#") {
                continue;
            }
            // The decks' text is Latin, box drawing and arrows: one column
            // a character. A tab would be expanded, so the decks have none.
            let columns = line.chars().count();
            if columns > CODE_COLUMNS {
                wide.push(WideLine {
                    line: block.first_line + i,
                    columns,
                    text: line.clone(),
                });
            }
        }
    }
    wide
}

/// The front matter: the text between a first line `---` and the next
/// `---`; empty if the deck has none.
fn front_matter(text: &str) -> &str {
    text.strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---").map(|end| &rest[..end]))
        .unwrap_or("")
}

/// `s` with the characters HTML gives a meaning to escaped.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The decks, one item each, so that rustdoc finds their code blocks.
#[cfg(doctest)]
mod decks {
    include!(concat!(env!("OUT_DIR"), "/slides.rs"));
}

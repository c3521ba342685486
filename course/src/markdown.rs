//! The fenced code blocks of a Markdown file (a README or a deck), for the
//! checks on the course's text; not part of any chapter.
//!
//! Only what the course's Markdown uses is understood: blocks fenced with
//! three backticks at the start of a line, an info string after the opening
//! fence, and an HTML comment on the line just above a block, which the
//! checks read as a note about the block (see [`CodeBlock::note`]).

/// One fenced code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The info string after the opening fence, e.g. `rust` or `text`.
    pub info: String,
    /// The 1-based line number of the first line inside the block.
    pub first_line: usize,
    /// The lines between the fences.
    pub lines: Vec<String>,
    /// The text of an HTML comment on the line right above the opening
    /// fence, without `<!--` and `-->`, trimmed; `None` if there is none.
    pub note: Option<String>,
}

impl CodeBlock {
    /// The language: the first word of the info string (`rust` for
    /// `rust +line_numbers`), empty for a bare fence.
    pub fn language(&self) -> &str {
        self.info.split_whitespace().next().unwrap_or("")
    }
}

/// Every fenced code block of `text`, in order.
///
/// An opening fence without a closing one ends the file's blocks: the
/// unclosed block is returned with the lines up to the end.
///
/// ```
/// let text = "<!-- a note -->\n```text\nhello\n```\n";
/// let blocks = course::markdown::code_blocks(text);
/// assert_eq!(blocks[0].lines, ["hello"]);
/// assert_eq!(blocks[0].note.as_deref(), Some("a note"));
/// assert_eq!(blocks[0].first_line, 3);
/// ```
pub fn code_blocks(text: &str) -> Vec<CodeBlock> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let note = i
            .checked_sub(1)
            .and_then(|above| html_comment(lines[above]))
            .map(str::to_owned);
        let body: Vec<String> = lines[i + 1..]
            .iter()
            .take_while(|l| !l.starts_with("```"))
            .map(|l| (*l).to_owned())
            .collect();
        // Past the body and its closing fence.
        let next = i + body.len() + 2;
        blocks.push(CodeBlock {
            info: info.trim().to_owned(),
            first_line: i + 2,
            note,
            lines: body,
        });
        i = next;
    }
    blocks
}

/// The inside of a one-line HTML comment, trimmed.
fn html_comment(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix("<!--")?.strip_suffix("-->")?;
    Some(inner.trim())
}

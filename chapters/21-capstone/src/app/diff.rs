//! A line diff by longest common subsequence, to show two shells side
//! by side (chapter 21).
//!
//! The classic dynamic programme: a table of LCS lengths, O(n·m) time and
//! memory, fine for files of a few hundred lines. `diff` and `git` use
//! Myers' O((n+m)·d) algorithm, which is fast when the files are alike.

/// One line of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// In both.
    Same(&'a str),
    /// Only in the old file.
    Removed(&'a str),
    /// Only in the new file.
    Added(&'a str),
}

/// The diff of `old` and `new`, line by line.
///
/// ```
/// use ch21_capstone::app::diff::{Line, diff};
///
/// let d = diff("a\nb\nc\n", "a\nx\nc\n");
/// assert_eq!(d, [Line::Same("a"), Line::Removed("b"), Line::Added("x"), Line::Same("c")]);
/// ```
pub fn diff<'a>(old: &'a str, new: &'a str) -> Vec<Line<'a>> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // lcs[i][j]: the LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(Line::Same(a[i]));
            i += 1;
            j += 1;
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(Line::Removed(a[i]));
            i += 1;
        } else {
            out.push(Line::Added(b[j]));
            j += 1;
        }
    }
    out
}

/// The diff as text: changed lines only, `-` and `+`, with the line
/// numbers of runs; and how many lines changed.
pub fn render_changes(lines: &[Line<'_>]) -> (String, usize) {
    let mut text = String::new();
    let mut changed = 0;
    let (mut old_no, mut new_no) = (0, 0);
    let mut in_run = false;
    for line in lines {
        if let Line::Same(_) = line {
            old_no += 1;
            new_no += 1;
            in_run = false;
            continue;
        }
        if !in_run {
            text.push_str(&format!("@@ line {} / {}\n", old_no + 1, new_no + 1));
            in_run = true;
        }
        changed += 1;
        match line {
            Line::Removed(l) => {
                old_no += 1;
                text.push_str(&format!("-{l}\n"));
            }
            Line::Added(l) => {
                new_no += 1;
                text.push_str(&format!("+{l}\n"));
            }
            Line::Same(_) => {}
        }
    }
    (text, changed)
}

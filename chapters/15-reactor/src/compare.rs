//! The two echo servers side by side, counted from their source (chapter 15).
//!
//! Chapter 11's callback server and this chapter's async one make the same
//! system calls. What differs is the code around them, and that is easy to
//! claim and easy to count: both files are read at compile time and the
//! demo prints what they are made of.

use std::fmt;

/// Chapter 11's callback echo server, as its source.
pub const CALLBACK_SERVER: &str = include_str!("../../11-event-loop/src/echo.rs");

/// This chapter's async echo server, as its source.
pub const ASYNC_SERVER: &str = include_str!("echo.rs");

/// What a source file is made of, counted line by line.
///
/// A rough count, on purpose: it looks at words, not at a syntax tree. It
/// is good enough for two files written in the same style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Lines that are neither blank nor comments.
    pub code_lines: usize,
    /// Functions and methods: each callback is one.
    pub functions: usize,
    /// Structs: state carried by hand from one callback to the next.
    pub structs: usize,
    /// Calls that tell the loop what to call next: `add_reader`,
    /// `add_writer`, `remove_reader`, `remove_writer`.
    pub loop_calls: usize,
    /// `.await`s: the places a task waits, with its state in its locals.
    pub awaits: usize,
}

impl Shape {
    /// Counts `source`.
    pub fn of(source: &str) -> Shape {
        let mut shape = Shape::default();
        for line in source.lines().map(str::trim) {
            if line.is_empty() || line.starts_with("//") {
                continue;
            }
            shape.code_lines += 1;
            let mut words = line.split_whitespace();
            if words.clone().any(|w| w == "fn") {
                shape.functions += 1;
            }
            if words.any(|w| w == "struct") {
                shape.structs += 1;
            }
            for call in [
                "add_reader(",
                "add_writer(",
                "remove_reader(",
                "remove_writer(",
            ] {
                shape.loop_calls += line.matches(call).count();
            }
            shape.awaits += line.matches(".await").count();
        }
        shape
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, what: &str| match n {
            1 => format!("1 {what}"),
            n => format!("{n} {what}s"),
        };
        write!(
            f,
            "{} of code, {}, {}, {}, {}",
            plural(self.code_lines, "line"),
            plural(self.functions, "fn"),
            plural(self.structs, "struct"),
            plural(self.loop_calls, "add/remove reader/writer call"),
            plural(self.awaits, ".await"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_code_and_skips_comments() {
        let source = "//! a module\n\nstruct S;\n/// docs\nfn a() {\n    lp.add_reader(fd, cb); x.await;\n}\n";
        let shape = Shape::of(source);
        assert_eq!(
            shape,
            Shape {
                code_lines: 4,
                functions: 1,
                structs: 1,
                loop_calls: 1,
                awaits: 1,
            }
        );
    }

    #[test]
    fn the_async_server_has_no_struct_and_no_loop_calls() {
        let (callbacks, async_) = (Shape::of(CALLBACK_SERVER), Shape::of(ASYNC_SERVER));
        assert!(
            callbacks.structs >= 1 && callbacks.loop_calls >= 4,
            "{callbacks}"
        );
        assert_eq!((async_.structs, async_.loop_calls), (0, 0), "{async_}");
        assert!(async_.awaits >= 3, "{async_}");
    }
}

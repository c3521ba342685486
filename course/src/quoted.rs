//! Quoted demo output: how a block of a README or a deck is checked against
//! what a real run prints. Not part of any chapter.
//!
//! A block that quotes a demo's output is marked by a comment on the line
//! above its opening fence, which neither GitHub nor presenterm shows:
//!
//! ```text
//! <!-- // output: ch04-select -->
//! <!-- // output: ch07-green-threads, order per name -->
//! ```
//!
//! The words after `output:` are the chapter's package and any arguments
//! for its binary; the check runs it once and compares. Numbers differ from
//! run to run (times, ports, fds, counts), so both sides are compared with
//! every number masked ([`mask`]). A quote may shorten: `...` inside a line
//! stands for any text, a line that is only `...` for any number of lines,
//! and the time column, or the time and name columns, may be left out.
//! Otherwise its lines are the run's lines, in the run's order ([`check`]).
//!
//! `order per name` is for demos with more than one thread printing: the
//! order between two names (the timeline's second column, `server` and
//! `client-1`) is the scheduler's choice, so only the order of each name's
//! own lines is checked, and such a block may leave lines out. The text
//! around such a block says that the interleaving varies.

/// What a marked block quotes: the command to run and how to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The chapter's package, e.g. `ch04-select`.
    pub package: String,
    /// Arguments for its binary; empty for the self-running demo.
    pub args: Vec<String>,
    /// Whether only the order within each timeline name is checked.
    pub per_name: bool,
}

impl Source {
    /// Reads a block's note (the comment above it). `Ok(None)` if the note
    /// is not an output marker; an error if it is one but malformed.
    ///
    /// ```
    /// use course::quoted::Source;
    /// let s = Source::parse("// output: ch07-green-threads, order per name").unwrap();
    /// assert_eq!(s.unwrap().package, "ch07-green-threads");
    /// assert!(Source::parse("// output: ch07, backwards").is_err());
    /// assert_eq!(Source::parse("a comment").unwrap(), None);
    /// ```
    pub fn parse(note: &str) -> Result<Option<Source>, String> {
        let Some(rest) = note.strip_prefix("// output:") else {
            return Ok(None);
        };
        let mut parts = rest.split(',');
        let mut words = parts.next().unwrap_or("").split_whitespace();
        let package = words
            .next()
            .ok_or_else(|| format!("`{note}`: no package after `output:`"))?
            .to_owned();
        let args = words.map(str::to_owned).collect();
        let mut per_name = false;
        for option in parts {
            match option.trim() {
                "order per name" => per_name = true,
                other => {
                    return Err(format!(
                        "`{note}`: unknown option `{other}`; the one option is `order per name`"
                    ));
                }
            }
        }
        Ok(Some(Source {
            package,
            args,
            per_name,
        }))
    }
}

/// `line` with every number replaced by `#` and its spaces collapsed, so
/// two runs' lines compare equal when only times, ports, fds and counts
/// differ, and when a wider number shifted a column.
///
/// A number is a run of digits, with the dots and commas inside it
/// (`0.502`, `127.0.0.1`, `10,000`). Digits that are part of a name are
/// kept: `client-2`, `ch04`, `ticker-1`, `E2BIG`.
///
/// ```
/// use course::quoted::mask;
/// assert_eq!(mask(" 0.502 client-2  got \"hi\" from 127.0.0.1:5401"),
///            "# client-2 got \"hi\" from #:#");
/// ```
pub fn mask(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let in_name = i > 0
            && (chars[i - 1].is_alphabetic()
                || chars[i - 1] == '_'
                || (chars[i - 1] == '-' && i > 1 && chars[i - 2].is_alphanumeric()));
        if c.is_ascii_digit() && !in_name {
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (matches!(chars[i], '.' | ',')
                        && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            out.push('#');
        } else if c.is_ascii_digit() {
            // The digits of a name stay, all of them.
            while i < chars.len() && chars[i].is_ascii_digit() {
                out.push(chars[i]);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a line looks like the timeline every demo prints
/// (`  0.502 client-2  ...`): a time with three decimals, then a name.
pub fn is_timeline(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let time = words.next().unwrap_or("");
    let (secs, millis) = time.split_once('.').unwrap_or(("", ""));
    !secs.is_empty()
        && secs.chars().all(|c| c.is_ascii_digit())
        && millis.len() == 3
        && millis.chars().all(|c| c.is_ascii_digit())
        && words.next().is_some()
}

/// Checks a quoted block against a run's output. `Err` says which quoted
/// line has no place in the run.
///
/// ```
/// use course::quoted::check;
/// let run = " 0.000 server    turn 1\n 0.001 server    turn 2\n 0.002 demo      8 turns\n";
/// assert!(check(&[" 0.000 server    turn 1", "...", " 0.009 demo  8 turns"], run, false).is_ok());
/// // The order is checked; the numbers are not.
/// assert!(check(&["demo 8 turns", "server turn 1"], run, false).is_err());
/// assert!(check(&["server turn 7"], run, false).is_ok());
/// ```
pub fn check(quote: &[&str], output: &str, per_name: bool) -> Result<(), String> {
    let quote: Vec<String> = quote
        .iter()
        .map(|l| mask(l))
        .filter(|l| !l.is_empty())
        .collect();
    let output: Vec<String> = output.lines().map(mask).filter(|l| !l.is_empty()).collect();
    if per_name {
        check_per_name(&quote, &output)
    } else {
        check_in_order(&quote, &output)
    }
}

/// The quote's lines are consecutive lines of the output, starting
/// anywhere, except where a `...` line lets any number of lines pass.
fn check_in_order(quote: &[String], output: &[String]) -> Result<(), String> {
    // `at[k]`: the quote so far can end just before output line `k`.
    let mut at = vec![true; output.len() + 1];
    for (n, q) in quote.iter().enumerate() {
        let mut next = vec![false; output.len() + 1];
        if q == "..." {
            let mut reached = false;
            for k in 0..=output.len() {
                reached |= at[k];
                next[k] = reached;
            }
        } else {
            for k in 0..output.len() {
                next[k + 1] = at[k] && line_matches(q, &output[k]);
            }
        }
        if !next.contains(&true) {
            return Err(not_found(n, q, quote));
        }
        at = next;
    }
    Ok(())
}

/// Each name's quoted lines appear among that name's output lines, in the
/// same order (gaps allowed).
fn check_per_name(quote: &[String], output: &[String]) -> Result<(), String> {
    for (n, q) in quote.iter().enumerate() {
        if q == "..." {
            continue;
        }
        let name = name_of(q);
        let earlier = quote[..n].iter().filter(|l| name_of(l) == name).count();
        // The earlier quoted lines of this name, matched greedily, leave
        // the output from `from` on for this one.
        let mut from = 0;
        for e in quote[..n].iter().filter(|l| name_of(l) == name) {
            from += output[from..]
                .iter()
                .position(|o| name_of(o) == name && line_matches(e, o))
                .map_or(output.len() - from, |p| p + 1);
        }
        let found = output[from.min(output.len())..]
            .iter()
            .any(|o| name_of(o) == name && line_matches(q, o));
        if !found {
            return Err(format!(
                "{} (after the {earlier} line(s) of `{name}` above it)",
                not_found(n, q, quote)
            ));
        }
    }
    Ok(())
}

/// A masked line's timeline name: its first word after the time.
fn name_of(masked: &str) -> &str {
    let rest = masked.strip_prefix("# ").unwrap_or(masked);
    rest.split(' ').next().unwrap_or("")
}

/// Whether masked quote line `q` (with `...` wildcards) is masked output
/// line `o`, or `o` without its time column, or without its time and name
/// columns.
fn line_matches(q: &str, o: &str) -> bool {
    let Some(rest) = o.strip_prefix("# ") else {
        return glob(q, o);
    };
    let message = rest.split_once(' ').map_or("", |(_, m)| m);
    glob(q, o) || glob(q, rest) || glob(q, message)
}

/// `pattern` matches all of `text`, `...` standing for any text. The
/// spaces next to a `...` are part of it, so `timer) ...` matches
/// `timer); ran 2`.
fn glob(pattern: &str, text: &str) -> bool {
    let pieces: Vec<&str> = pattern.split("...").collect();
    if pieces.len() == 1 {
        return pattern == text;
    }
    let last_index = pieces.len() - 1;
    let (first, last) = (pieces[0].trim_end(), pieces[last_index].trim_start());
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in &pieces[1..last_index] {
        let piece = piece.trim();
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

fn not_found(n: usize, q: &str, quote: &[String]) -> String {
    format!(
        "quoted line {} of {} is not in the run where the lines before it put it: `{q}` (numbers masked)",
        n + 1,
        quote.len()
    )
}

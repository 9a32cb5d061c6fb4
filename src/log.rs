//! Messages on stderr: notices, warnings, problems, the final error with its hint, and the `-v`
//! request logs. Also the one cleaning of server text for a terminal (`sanitize`), which
//! `output` uses for stdout too. A leaf: it uses nothing else in the crate.
#![allow(clippy::print_stderr)]

/// Messages on stderr. Cheap to clone and safe to share between threads.
#[derive(Debug, Clone)]
pub struct Log {
    quiet: bool,
    verbose: u8,
    color: bool,
}

impl Log {
    pub fn new(quiet: bool, verbose: u8, color: bool) -> Log {
        Log {
            quiet,
            verbose,
            color,
        }
    }

    pub fn verbose(&self) -> u8 {
        self.verbose
    }

    pub fn color(&self) -> bool {
        self.color
    }

    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Something the user should know (a wait, a sandbox note); hidden by `-q`.
    pub fn notice(&self, msg: &str) {
        if !self.quiet {
            eprintln!("leadctl: {}", sanitize_keep_newlines(msg));
        }
    }

    pub fn warn(&self, msg: &str) {
        if !self.quiet {
            eprintln!(
                "leadctl: {}: {}",
                self.paint("33", "warning"),
                sanitize_keep_newlines(msg)
            );
        }
    }

    /// A problem the user must see even with `-q` (a lead of several that was not created).
    pub fn problem(&self, msg: &str) {
        eprintln!(
            "leadctl: {}: {}",
            self.paint("1;31", "error"),
            sanitize_keep_newlines(msg)
        );
    }

    /// A workflow command for the CI runner (`::error file=…::…`), escaped by the caller; shown
    /// even with `-q` (CI reads it, not a person).
    pub fn workflow_command(&self, line: &str) {
        eprintln!("{}", sanitize(line));
    }

    /// `-v` diagnostics: requests and responses (the key is never in them).
    pub fn debug(&self, msg: &str) {
        if self.verbose > 0 {
            eprintln!("{}", sanitize_keep_newlines(msg));
        }
    }

    /// The final error, printed once by `main`; shown even with `-q`.
    pub fn error(&self, msg: &str, hint: Option<&str>) {
        eprintln!(
            "leadctl: {}: {}",
            self.paint("1;31", "error"),
            sanitize_keep_newlines(msg)
        );
        if let Some(hint) = hint {
            eprintln!("  {}: {}", self.paint("36", "hint"), sanitize(hint));
        }
    }

    /// A request or response body for the `-v` log: whole with `-vv`, cut at 2 KiB with `-v`.
    pub fn body_excerpt(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        const LIMIT: usize = 2048;
        if self.verbose >= 2 || text.len() <= LIMIT {
            text.into_owned()
        } else {
            let mut end = LIMIT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}… ({} bytes in all)", &text[..end], text.len())
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The most characters of a user's or a file's text that a message quotes.
pub const QUOTED_CHARS: usize = 60;

/// A count with its noun in the right number: `counted(1, "field", "fields")` is "1 field",
/// `counted(2, ...)` "2 fields".
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Text from a file or a user, quoted for a message (`"Deal size"`) and cut to its first
/// [`QUOTED_CHARS`] characters with `…` after them: a 200 MB header cell or a pasted document
/// must not become a 200 MB error message.
pub fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => format!("{text:?}"),
        Some((cut, _)) => {
            let shown = format!("{:?}", &text[..cut]);
            format!(
                "{}…\" ({} characters)",
                shown.strip_suffix('"').unwrap_or(&shown),
                text.chars().count()
            )
        }
    }
}

/// Text cut to its first [`QUOTED_CHARS`] characters, with `…` when something was cut (for
/// tables, where quotes would be noise).
pub fn cut(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

/// At most `shown` items of a list, then "and K more".
pub fn list_some(items: &[String], shown: usize) -> String {
    if items.len() <= shown {
        return items.join(", ");
    }
    format!(
        "{}, and {} more",
        items[..shown].join(", "),
        items.len() - shown
    )
}

/// Replaces control characters (newlines included) and bidi overrides with visible escapes, so a
/// hostile server string cannot move the cursor, recolour the terminal or reorder text.
pub fn sanitize(text: &str) -> String {
    clean(text, false)
}

fn sanitize_keep_newlines(text: &str) -> String {
    clean(text, true)
}

fn clean(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
        if (c == '\n' && keep_newlines) || c == '\t' {
            out.push(c);
        } else if c.is_control() || bidi {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_defused() {
        assert_eq!(sanitize("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(sanitize("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(sanitize("line\nnext"), "line\\u{a}next");
        assert_eq!(sanitize_keep_newlines("line\nnext"), "line\nnext");
        assert_eq!(sanitize("José"), "José");
    }

    #[test]
    fn user_text_is_quoted_short() {
        assert_eq!(quoted("Deal size"), "\"Deal size\"");
        let long = "é".repeat(200);
        let q = quoted(&long);
        assert_eq!(q, format!("\"{}…\" (200 characters)", "é".repeat(60)));
        let items: Vec<String> = (1..=5).map(|i| i.to_string()).collect();
        assert_eq!(list_some(&items, 3), "1, 2, 3, and 2 more");
        assert_eq!(list_some(&items, 5), "1, 2, 3, 4, 5");
        assert_eq!(cut(&"x".repeat(61)), format!("{}…", "x".repeat(60)));
        assert_eq!(cut("short"), "short");
    }
}

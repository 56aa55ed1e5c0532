//! The unit-file syntax of systemd.syntax(7): sections, `Key=Value` lines, comments, line
//! continuations, and the quoting of command lines (`ExecStart=`, Quadlet's `Exec=`), both ways.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// One `Key=Value` entry; `line` is where it starts in its file (1-based), for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// A `[Name]` section with its entries in file order. A file may repeat a section; its
/// occurrences are merged into one, as systemd does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub entries: Vec<Entry>,
}

/// A parsed unit file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    pub path: PathBuf,
    pub sections: Vec<Section>,
}

impl UnitFile {
    pub fn read(path: &Path) -> Result<UnitFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Self::parse(path, &text)
    }

    /// Parses `text` (the contents of `path`). Errors name `path:line`.
    pub fn parse(path: &Path, text: &str) -> Result<UnitFile> {
        let mut unit = UnitFile {
            path: path.to_path_buf(),
            sections: Vec::new(),
        };
        let mut current: Option<usize> = None;
        for (line_no, line) in logical_lines(text) {
            let at = || format!("{}:{line_no}", path.display());
            if let Some(header) = line.strip_prefix('[') {
                let Some(name) = header.strip_suffix(']') else {
                    bail!("{}: section header {line:?} lacks the closing ']'", at());
                };
                if name.is_empty() || name.contains(['[', ']']) {
                    bail!("{}: invalid section header {line:?}", at());
                }
                current = Some(match unit.sections.iter().position(|s| s.name == name) {
                    Some(index) => index,
                    None => {
                        unit.sections.push(Section {
                            name: name.to_string(),
                            entries: Vec::new(),
                        });
                        unit.sections.len() - 1
                    }
                });
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                bail!(
                    "{}: {line:?} is not a Key=Value line or a [Section] header",
                    at()
                );
            };
            let key = key.trim_end();
            if key.is_empty() || key.contains(char::is_whitespace) {
                bail!("{}: invalid key {key:?}", at());
            }
            let Some(index) = current else {
                bail!("{}: {key}= comes before any [Section] header", at());
            };
            unit.sections[index].entries.push(Entry {
                key: key.to_string(),
                value: value.trim().to_string(),
                line: line_no,
            });
        }
        Ok(unit)
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }
}

/// The logical lines of a unit file with the number of the physical line each starts on:
/// trimmed, without blank and comment lines, continuations (a trailing `\`) joined with a space.
/// Comment lines inside a continuation are skipped, as systemd does.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let is_comment = line.starts_with('#') || line.starts_with(';');
        if pending.is_some() && is_comment {
            continue;
        }
        if pending.is_none() && (line.is_empty() || is_comment) {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
        match line.strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head);
                joined.push(' ');
                pending = Some((start, joined));
            }
            None => {
                joined.push_str(line);
                out.push((start, joined.trim().to_string()));
            }
        }
    }
    if let Some((start, joined)) = pending {
        out.push((start, joined.trim().to_string()));
    }
    out
}

/// Splits a value into words as systemd splits command lines and `Environment=`: whitespace
/// separates words, `"..."` and `'...'` quote (also inside a word), and backslash escapes are
/// C-style (`\n`, `\t`, `\\`, `\"`, `\s`, `\xHH`, `\NNN` octal, `\uXXXX`).
pub fn split_words(value: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(words);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match (c, quote) {
                ('\\', _) => word.push(unescape(&mut chars)?),
                ('"' | '\'', None) => quote = Some(c),
                (c, Some(q)) if c == q => quote = None,
                (c, None) if c.is_whitespace() => break,
                (c, _) => word.push(c),
            }
        }
        if let Some(q) = quote {
            return Err(format!("unterminated {q} quote"));
        }
        words.push(word);
    }
}

fn unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, String> {
    let Some(c) = chars.next() else {
        return Err("a backslash ends the value".into());
    };
    let simple = match c {
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        's' => ' ',
        '\\' | '"' | '\'' => c,
        'x' => return code_point(chars, 2, 16, "\\x"),
        'u' => return code_point(chars, 4, 16, "\\u"),
        'U' => return code_point(chars, 8, 16, "\\U"),
        '0'..='7' => {
            let rest = code_point(chars, 2, 8, "octal escape")?;
            let value = (c as u32 - '0' as u32) * 64 + rest as u32;
            return char::from_u32(value).ok_or_else(|| format!("invalid octal escape {value}"));
        }
        other => return Err(format!("unknown escape \\{other}")),
    };
    Ok(simple)
}

fn code_point(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    digits: usize,
    radix: u32,
    what: &str,
) -> Result<char, String> {
    let mut value: u32 = 0;
    for _ in 0..digits {
        let digit = chars
            .next()
            .and_then(|d| d.to_digit(radix))
            .ok_or_else(|| format!("{what} needs {digits} digits"))?;
        value = value * radix + digit;
    }
    if value == 0 {
        return Err(format!("{what} encodes a NUL character"));
    }
    char::from_u32(value).ok_or_else(|| format!("{what} {value:#x} is not a character"))
}

/// Whether `%` in a word is a systemd specifier (`%n`, `%t`...) or a literal percent sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Percent {
    /// The word comes from a unit file (Quadlet): its specifiers stay for systemd to expand.
    Specifier,
    /// The word is literal data (a recorded command line): `%` becomes `%%`.
    Literal,
}

/// One word of an `ExecStart=`-style command line, quoted so systemd reads back exactly
/// `word`: `$` is doubled (no variable expansion), `%` as `percent` says, and words with
/// whitespace, quotes, backslashes or control characters go in double quotes with C escapes.
pub fn quote_word(word: &str, percent: Percent) -> String {
    let mut text = word.replace('$', "$$");
    if percent == Percent::Literal {
        text = text.replace('%', "%%");
    }
    let plain = !text.is_empty()
        && text != ";"
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\'));
    if plain {
        return text;
    }
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => quoted.push_str(&format!("\\x{:02x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Parses a systemd boolean (`1`, `yes`, `true`, `on` and their opposites).
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "f" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<UnitFile> {
        UnitFile::parse(Path::new("/q/web.container"), text)
    }

    #[test]
    fn sections_entries_comments_and_continuations() {
        let unit = parse(
            "# header comment\n[Unit]\nDescription = My web  \n\n[Container]\n; other comment\n\
             Exec=sh -c \\\n# comment inside\n  'echo hi'\nImage=busybox\n[Unit]\nAfter=x\n",
        )
        .unwrap();
        let names: Vec<&str> = unit.sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Unit", "Container"]);
        let unit_section = unit.section("Unit").unwrap();
        assert_eq!(unit_section.entries[0].value, "My web");
        assert_eq!(unit_section.entries[1].key, "After");
        let container = unit.section("Container").unwrap();
        assert_eq!(
            container.entries[0],
            Entry {
                key: "Exec".into(),
                value: "sh -c  'echo hi'".into(),
                line: 7
            }
        );
        assert_eq!(container.entries[1].line, 10);
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        for (text, line, what) in [
            ("Image=x\n", 1, "before any [Section]"),
            ("[Container]\n\nImage\n", 3, "not a Key=Value"),
            ("[Container\n", 1, "closing ']'"),
            ("[Container]\nmy key=1\n", 2, "invalid key"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("/q/web.container:{line}: ")) && err.contains(what),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn words_unquote_and_unescape_like_systemd() {
        let words = split_words(r#"sh -c "echo \"a b\"" 'it''s' x\sy a"b c"d \x41\101\u00e9 \t"#);
        assert_eq!(
            words.unwrap(),
            [
                "sh",
                "-c",
                "echo \"a b\"",
                "its",
                "x y",
                "ab cd",
                "AAé",
                "\t"
            ]
        );
        assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split_words("''").unwrap(), [""]);
        assert!(split_words("'open").unwrap_err().contains("unterminated"));
        assert!(split_words("x\\").unwrap_err().contains("backslash"));
        assert!(split_words("\\q").unwrap_err().contains("unknown escape"));
    }

    #[test]
    fn quoting_round_trips_through_the_splitter() {
        let words = [
            "plain",
            "with space",
            "quote\"s",
            "it's",
            "back\\slash",
            "tab\tnew\nline",
            "",
            ";",
        ];
        let line: Vec<String> = words
            .iter()
            .map(|w| quote_word(w, Percent::Specifier))
            .collect();
        assert_eq!(split_words(&line.join(" ")).unwrap(), words);
    }

    #[test]
    fn dollars_and_percents_are_escaped_for_systemd() {
        assert_eq!(quote_word("$HOME", Percent::Specifier), "$$HOME");
        assert_eq!(quote_word("%t/x", Percent::Specifier), "%t/x");
        assert_eq!(quote_word("100%", Percent::Literal), "100%%");
        assert_eq!(quote_word("a b%", Percent::Literal), "\"a b%%\"");
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}

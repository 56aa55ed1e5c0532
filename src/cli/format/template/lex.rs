//! Splits a template into literal text and `{{ }}` actions, and an action into tokens.
//!
//! Literal text gets the docker/podman CLI treatment: the two characters `\t`
//! become a tab and `\n` a newline, and in `table` templates every space
//! becomes a tab (podman's `NormalizeFormat`), which makes columns. Unlike
//! podman, this is done to literal text only, so string constants inside
//! actions such as `{{join .Names ", "}}` keep their spaces.

use anyhow::Result;
use serde_json::Number;

use super::error_at;

/// A piece of the template source.
#[derive(Debug)]
pub enum Item {
    Text(String),
    /// An action's tokens and the byte offset of its `{{` in the source.
    Action {
        tokens: Vec<Spanned>,
        offset: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// A function name or keyword (`if`, `range`, `end`, `true`, ...).
    Ident(String),
    /// `.A.B` as ["A", "B"]; a chain after `)` is lexed the same way.
    Field(Vec<String>),
    /// `.` alone: the current value.
    Dot,
    /// `$name.A.B` as ("name", ["A", "B"]); `$` alone has an empty name.
    Variable(String, Vec<String>),
    Str(String),
    Number(Number),
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Comma,
}

impl Token {
    /// The token as written, for error messages.
    pub fn describe(&self) -> String {
        let text = match self {
            Token::Pipe => "|",
            Token::LeftParen => "(",
            Token::RightParen => ")",
            Token::Declare => ":=",
            Token::Assign => "=",
            Token::Comma => ",",
            other => return format!("{other:?}"),
        };
        format!("{text:?}")
    }
}

/// A token and the byte offset where it starts in the template source.
#[derive(Debug, Clone)]
pub struct Spanned {
    pub token: Token,
    pub offset: usize,
}

const OPEN: &str = "{{";
const CLOSE: &str = "}}";

pub fn lex(source: &str, table: bool) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut rest_start = 0;
    let mut trim_next_text = false;
    while rest_start <= source.len() {
        let rest = &source[rest_start..];
        let text_len = rest.find(OPEN).unwrap_or(rest.len());
        let mut text = normalize_text(&rest[..text_len], table);
        if trim_next_text {
            text = text.trim_start_matches(is_space).to_string();
        }
        if text_len == rest.len() {
            push_text(&mut items, text);
            break;
        }
        let offset = rest_start + text_len;
        let mut body_start = offset + OPEN.len();
        if let Some(after) = source[body_start..].strip_prefix('-')
            && after.starts_with(is_space)
        {
            // `{{- ` trims the whitespace before the action.
            text = text.trim_end_matches(is_space).to_string();
            body_start += 1;
        }
        push_text(&mut items, text);
        if source[body_start..]
            .trim_start_matches(is_space)
            .starts_with("/*")
        {
            let (end, trim) = skip_comment(source, body_start, offset)?;
            trim_next_text = trim;
            rest_start = end;
            continue;
        }
        let mut lexer = ActionLexer {
            source,
            pos: body_start,
            tokens: Vec::new(),
        };
        let (end, trim) = lexer.run(offset)?;
        items.push(Item::Action {
            tokens: lexer.tokens,
            offset,
        });
        trim_next_text = trim;
        rest_start = end;
    }
    Ok(items)
}

fn push_text(items: &mut Vec<Item>, text: String) {
    if !text.is_empty() {
        items.push(Item::Text(text));
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn normalize_text(text: &str, table: bool) -> String {
    let text = text.replace("\\t", "\t").replace("\\n", "\n");
    if table { text.replace(' ', "\t") } else { text }
}

/// Skips `{{/* ... */}}`; returns the offset after it and whether it ends with `-}}`.
fn skip_comment(source: &str, body_start: usize, offset: usize) -> Result<(usize, bool)> {
    let unclosed = || error_at(source, offset, "unclosed comment: end it with */}}");
    let end = source[body_start..].find("*/").ok_or_else(unclosed)? + body_start + 2;
    let after = &source[end..];
    let trimmed = after.trim_start_matches(is_space);
    if let Some(rest) = trimmed.strip_prefix("-}}")
        && trimmed.len() < after.len()
    {
        return Ok((source.len() - rest.len(), true));
    }
    match after.strip_prefix(CLOSE) {
        Some(rest) => Ok((source.len() - rest.len(), false)),
        None => Err(unclosed()),
    }
}

struct ActionLexer<'a> {
    source: &'a str,
    pos: usize,
    tokens: Vec<Spanned>,
}

impl ActionLexer<'_> {
    /// Lexes up to the closing `}}`; returns the offset after it and whether it was `-}}`.
    fn run(&mut self, action_offset: usize) -> Result<(usize, bool)> {
        loop {
            let rest = &self.source[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err(error_at(
                    self.source,
                    action_offset,
                    "unclosed action: end it with }}",
                ));
            };
            if is_space(c) {
                let trimmed = rest.trim_start_matches(is_space);
                if trimmed.starts_with("-}}") {
                    return Ok((self.source.len() - trimmed.len() + 3, true));
                }
                self.pos += rest.len() - trimmed.len();
                continue;
            }
            if rest.starts_with(CLOSE) {
                return Ok((self.pos + CLOSE.len(), false));
            }
            let start = self.pos;
            let token = self.token(c, rest)?;
            self.tokens.push(Spanned {
                token,
                offset: start,
            });
        }
    }

    fn token(&mut self, c: char, rest: &str) -> Result<Token> {
        let single = |lexer: &mut Self, token| {
            lexer.pos += 1;
            Ok(token)
        };
        match c {
            '|' => single(self, Token::Pipe),
            '(' => single(self, Token::LeftParen),
            ')' => single(self, Token::RightParen),
            ',' => single(self, Token::Comma),
            '=' => single(self, Token::Assign),
            ':' if rest.starts_with(":=") => {
                self.pos += 2;
                Ok(Token::Declare)
            }
            '"' => self.quoted_string(),
            '`' => self.raw_string(),
            '.' => {
                let path = self.field_chain();
                if path.is_empty() {
                    single(self, Token::Dot)
                } else {
                    Ok(Token::Field(path))
                }
            }
            '$' => {
                self.pos += 1;
                let name = self.identifier();
                Ok(Token::Variable(name, self.field_chain()))
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+') && starts_with_digit(&rest[1..])) =>
            {
                self.number()
            }
            c if is_ident_char(c) => Ok(Token::Ident(self.identifier())),
            other => Err(error_at(
                self.source,
                self.pos,
                &format!("unexpected {other:?} in action"),
            )),
        }
    }

    fn identifier(&mut self) -> String {
        let rest = &self.source[self.pos..];
        let len = rest.find(|c| !is_ident_char(c)).unwrap_or(rest.len());
        self.pos += len;
        rest[..len].to_string()
    }

    /// `.A.B...`; empty when the `.` is not followed by a name (plain dot).
    fn field_chain(&mut self) -> Vec<String> {
        let mut path = Vec::new();
        while let Some(after_dot) = self.source[self.pos..].strip_prefix('.') {
            if !after_dot.starts_with(is_ident_char) {
                break;
            }
            self.pos += 1;
            path.push(self.identifier());
        }
        path
    }

    fn number(&mut self) -> Result<Token> {
        let rest = &self.source[self.pos..];
        let len = rest
            .char_indices()
            .find(|&(i, c)| {
                let exponent_sign =
                    (c == '-' || c == '+') && i > 0 && rest[..i].ends_with(['e', 'E']);
                !(c.is_ascii_alphanumeric()
                    || c == '.'
                    || exponent_sign
                    || (i == 0 && (c == '-' || c == '+')))
            })
            .map_or(rest.len(), |(i, _)| i);
        let text = &rest[..len];
        let number = if let Ok(int) = text.parse::<i64>() {
            Some(Number::from(int))
        } else {
            text.parse::<f64>().ok().and_then(Number::from_f64)
        };
        let Some(number) = number else {
            return Err(error_at(
                self.source,
                self.pos,
                &format!("bad number syntax: {text:?}"),
            ));
        };
        self.pos += len;
        Ok(Token::Number(number))
    }

    fn quoted_string(&mut self) -> Result<Token> {
        let start = self.pos;
        let mut value = String::new();
        let mut chars = self.source[start + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = start + 1 + i + 1;
                    return Ok(Token::Str(value));
                }
                '\n' => break,
                '\\' => match chars.next().map(|(_, e)| e) {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some('r') => value.push('\r'),
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    Some(other) => {
                        let message = format!(
                            "unknown escape sequence \\{other} in string; use \\\\ for a backslash"
                        );
                        return Err(error_at(self.source, start, &message));
                    }
                    None => break,
                },
                c => value.push(c),
            }
        }
        Err(error_at(self.source, start, "unterminated quoted string"))
    }

    fn raw_string(&mut self) -> Result<Token> {
        let start = self.pos;
        let body = &self.source[start + 1..];
        let Some(len) = body.find('`') else {
            return Err(error_at(self.source, start, "unterminated raw string"));
        };
        self.pos = start + 1 + len + 1;
        Ok(Token::Str(body[..len].to_string()))
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn starts_with_digit(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

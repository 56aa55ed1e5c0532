//! Builds the node tree from lexed items: text, `{{pipeline}}`, and the
//! `if`/`else if`/`else`, `range`/`else` and `with`/`else` blocks closed by `{{end}}`.
//! Function names and variables are checked here, so a template that cannot
//! work fails before any output is written, as Go's parser does.

use anyhow::Result;
use serde_json::Value;

use super::ast::{Command, Node, Operand, Pipeline, Term};
use super::error_at;
use super::funcs;
use super::lex::{Item, Spanned, Token};

pub fn parse(source: &str, items: Vec<Item>) -> Result<Vec<Node>> {
    let mut parser = Parser {
        source,
        items: items.into_iter(),
        variables: vec![String::new()],
    };
    let (nodes, end) = parser.list()?;
    match end {
        Stop::Eof => Ok(nodes),
        Stop::End(offset) => Err(error_at(
            source,
            offset,
            "unexpected {{end}} without an opening {{if}}, {{range}} or {{with}}",
        )),
        Stop::Else { offset, .. } => Err(error_at(
            source,
            offset,
            "unexpected {{else}} outside {{if}}, {{range}} or {{with}}",
        )),
    }
}

/// What stopped a list of nodes.
enum Stop {
    Eof,
    End(usize),
    /// `{{else ...}}` and the tokens after `else` (`if ...` for an else-if).
    Else {
        offset: usize,
        rest: Vec<Spanned>,
    },
}

struct Parser<'a> {
    source: &'a str,
    items: std::vec::IntoIter<Item>,
    /// Variables in scope, innermost last ("" is `$`).
    variables: Vec<String>,
}

impl Parser<'_> {
    fn list(&mut self) -> Result<(Vec<Node>, Stop)> {
        let mut nodes = Vec::new();
        while let Some(item) = self.items.next() {
            let (tokens, offset) = match item {
                Item::Text(text) => {
                    nodes.push(Node::Text(text));
                    continue;
                }
                Item::Action { tokens, offset } => (tokens, offset),
            };
            let keyword = match tokens.first().map(|t| &t.token) {
                Some(Token::Ident(word)) => word.as_str(),
                _ => "",
            };
            match keyword {
                "end" if tokens.len() == 1 => return Ok((nodes, Stop::End(offset))),
                "end" => {
                    return Err(error_at(
                        self.source,
                        tokens[1].offset,
                        "unexpected text after end",
                    ));
                }
                "else" => {
                    return Ok((
                        nodes,
                        Stop::Else {
                            offset,
                            rest: tokens[1..].to_vec(),
                        },
                    ));
                }
                "if" => nodes.push(self.if_block(offset, &tokens[1..])?),
                "range" | "with" => nodes.push(self.block(keyword, offset, &tokens[1..])?),
                "define" | "template" | "block" | "break" | "continue" => {
                    let message =
                        format!("{{{{{keyword}}}}} is not supported in --format templates");
                    return Err(error_at(self.source, offset, &message));
                }
                _ => nodes.push(Node::Action(self.pipeline(offset, &tokens, 1)?)),
            }
        }
        Ok((nodes, Stop::Eof))
    }

    fn if_block(&mut self, offset: usize, tokens: &[Spanned]) -> Result<Node> {
        let scope = self.variables.len();
        let pipe = self.control_pipeline("if", offset, tokens, 1)?;
        let (then, end) = self.list()?;
        let otherwise = match end {
            Stop::Else { offset, rest } if is_keyword(rest.first(), "if") => {
                // `{{else if}}` is an if nested in the else branch that shares the final {{end}}.
                vec![self.if_block(offset, &rest[1..])?]
            }
            end => self.else_branch("if", offset, end)?,
        };
        self.variables.truncate(scope);
        Ok(Node::If {
            pipe,
            then,
            otherwise,
        })
    }

    fn block(&mut self, keyword: &str, offset: usize, tokens: &[Spanned]) -> Result<Node> {
        let scope = self.variables.len();
        let max_variables = if keyword == "range" { 2 } else { 1 };
        let pipe = self.control_pipeline(keyword, offset, tokens, max_variables)?;
        let (body, end) = self.list()?;
        let otherwise = self.else_branch(keyword, offset, end)?;
        self.variables.truncate(scope);
        Ok(if keyword == "range" {
            Node::Range {
                pipe,
                body,
                otherwise,
            }
        } else {
            Node::With {
                pipe,
                body,
                otherwise,
            }
        })
    }

    /// After a block body: `{{end}}`, or `{{else}}` then a body then `{{end}}`.
    fn else_branch(&mut self, keyword: &str, block_offset: usize, end: Stop) -> Result<Vec<Node>> {
        let unclosed = || {
            let message = format!("{{{{{keyword}}}}} has no matching {{{{end}}}}; add one");
            error_at(self.source, block_offset, &message)
        };
        match end {
            Stop::End(_) => Ok(Vec::new()),
            Stop::Eof => Err(unclosed()),
            Stop::Else { rest, .. } => {
                if let Some(extra) = rest.first() {
                    return Err(error_at(
                        self.source,
                        extra.offset,
                        &format!("unexpected text after else in {{{{{keyword}}}}}"),
                    ));
                }
                match self.list()? {
                    (nodes, Stop::End(_)) => Ok(nodes),
                    (_, Stop::Else { offset, .. }) => Err(error_at(
                        self.source,
                        offset,
                        "a second {{else}} in the same block",
                    )),
                    (_, Stop::Eof) => Err(unclosed()),
                }
            }
        }
    }

    fn control_pipeline(
        &mut self,
        keyword: &str,
        offset: usize,
        tokens: &[Spanned],
        max_variables: usize,
    ) -> Result<Pipeline> {
        if tokens.is_empty() {
            return Err(error_at(
                self.source,
                offset,
                &format!("missing value for {keyword}"),
            ));
        }
        self.pipeline(offset, tokens, max_variables)
    }

    fn pipeline(
        &mut self,
        offset: usize,
        tokens: &[Spanned],
        max_variables: usize,
    ) -> Result<Pipeline> {
        let (variables, assign, rest) = split_declaration(tokens);
        if variables.len() > max_variables {
            return Err(error_at(
                self.source,
                offset,
                "too many variables declared here",
            ));
        }
        let mut cursor = Cursor {
            tokens: rest,
            pos: 0,
        };
        let pipe = self.commands(&mut cursor, offset, variables.clone(), assign)?;
        if let Some(extra) = cursor.peek() {
            return Err(error_at(
                self.source,
                extra.offset,
                "unexpected ) in action",
            ));
        }
        for name in variables {
            if assign {
                self.check_variable(&name, offset)?;
            } else {
                self.variables.push(name);
            }
        }
        Ok(pipe)
    }

    fn commands(
        &self,
        cursor: &mut Cursor,
        offset: usize,
        variables: Vec<String>,
        assign: bool,
    ) -> Result<Pipeline> {
        let mut commands = Vec::new();
        loop {
            let command_offset = cursor.peek().map_or(offset, |t| t.offset);
            let command = self.command(cursor)?;
            let Some(first) = command.operands.first() else {
                return Err(error_at(
                    self.source,
                    command_offset,
                    "missing value for command",
                ));
            };
            let is_function = matches!(first.term, Term::Function(_));
            if !is_function && (command.operands.len() > 1 || !commands.is_empty()) {
                let message = format!(
                    "can't give argument to non-function {}",
                    first.term.describe()
                );
                return Err(error_at(self.source, first.offset, &message));
            }
            if matches!(first.term, Term::Nil) {
                return Err(error_at(self.source, first.offset, "nil is not a command"));
            }
            commands.push(command);
            match cursor.peek().map(|t| &t.token) {
                Some(Token::Pipe) => cursor.pos += 1,
                _ => {
                    return Ok(Pipeline {
                        offset,
                        variables,
                        assign,
                        commands,
                    });
                }
            }
        }
    }

    fn command(&self, cursor: &mut Cursor) -> Result<Command> {
        let mut operands = Vec::new();
        while let Some(spanned) = cursor.peek() {
            if matches!(spanned.token, Token::Pipe | Token::RightParen) {
                break;
            }
            operands.push(self.operand(cursor)?);
        }
        Ok(Command { operands })
    }

    fn operand(&self, cursor: &mut Cursor) -> Result<Operand> {
        let Some(Spanned { token, offset }) = cursor.next().cloned() else {
            return Err(error_at(self.source, self.source.len(), "missing operand"));
        };
        let term = match token {
            Token::Dot => Term::Dot,
            Token::Field(path) => Term::Field(path),
            Token::Variable(name, path) => {
                self.check_variable(&name, offset)?;
                Term::Variable { name, path }
            }
            Token::Str(text) => Term::Literal(Value::String(text)),
            Token::Number(number) => Term::Literal(Value::Number(number)),
            Token::Ident(word) => match word.as_str() {
                "true" | "false" => Term::Literal(Value::Bool(word == "true")),
                "nil" => Term::Nil,
                _ if funcs::exists(&word) => Term::Function(word),
                _ => {
                    let message = format!(
                        "function {word:?} not defined (available: {})",
                        funcs::NAMES.join(", ")
                    );
                    return Err(error_at(self.source, offset, &message));
                }
            },
            Token::LeftParen => {
                let pipe = self.commands(cursor, offset, Vec::new(), false)?;
                match cursor.next() {
                    Some(Spanned {
                        token: Token::RightParen,
                        offset: close,
                    }) => {
                        let close = *close;
                        let path = match cursor.peek() {
                            Some(Spanned {
                                token: Token::Field(path),
                                offset,
                            }) if *offset == close + 1 => {
                                let path = path.clone();
                                cursor.pos += 1;
                                path
                            }
                            _ => Vec::new(),
                        };
                        Term::Nested {
                            pipe: Box::new(pipe),
                            path,
                        }
                    }
                    _ => return Err(error_at(self.source, offset, "unclosed left paren")),
                }
            }
            Token::Pipe | Token::RightParen | Token::Comma | Token::Declare | Token::Assign => {
                return Err(error_at(
                    self.source,
                    offset,
                    &format!("unexpected {} in operand", token.describe()),
                ));
            }
        };
        Ok(Operand { term, offset })
    }

    fn check_variable(&self, name: &str, offset: usize) -> Result<()> {
        if self.variables.iter().any(|v| v == name) {
            Ok(())
        } else {
            Err(error_at(
                self.source,
                offset,
                &format!("undefined variable \"${name}\""),
            ))
        }
    }
}

fn is_keyword(token: Option<&Spanned>, keyword: &str) -> bool {
    matches!(token.map(|t| &t.token), Some(Token::Ident(word)) if word == keyword)
}

/// Splits `$a :=`, `$a, $b :=` or `$a =` off the front of an action.
fn split_declaration(tokens: &[Spanned]) -> (Vec<String>, bool, &[Spanned]) {
    let plain_variable = |t: Option<&Spanned>| match t.map(|t| &t.token) {
        Some(Token::Variable(name, path)) if path.is_empty() => Some(name.clone()),
        _ => None,
    };
    let token = |i: usize| tokens.get(i).map(|t| &t.token);
    let Some(first) = plain_variable(tokens.first()) else {
        return (Vec::new(), false, tokens);
    };
    match token(1) {
        Some(Token::Declare) => (vec![first], false, &tokens[2..]),
        Some(Token::Assign) => (vec![first], true, &tokens[2..]),
        Some(Token::Comma) => match (plain_variable(tokens.get(2)), token(3)) {
            (Some(second), Some(Token::Declare)) => (vec![first, second], false, &tokens[4..]),
            _ => (Vec::new(), false, tokens),
        },
        _ => (Vec::new(), false, tokens),
    }
}

struct Cursor<'a> {
    tokens: &'a [Spanned],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<&'a Spanned> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&'a Spanned> {
        let token = self.tokens.get(self.pos);
        self.pos += 1;
        token
    }
}

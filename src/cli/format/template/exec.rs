//! Runs a parsed template against one JSON value, with Go's text/template semantics:
//! `.` is the current value, `$` the value the template started with, `range`
//! and `with` move `.`, variables live until the `{{end}}` of their block.
//!
//! Also renders a template's header row for `table` formats: each printed field
//! becomes its column title instead of its value.

use anyhow::Result;
use serde_json::Value;

use super::ast::{Node, Operand, Pipeline, Term};
use super::error_at;
use super::funcs;
use super::value::{field, sorted, to_text, truthy, type_name};

pub struct Exec<'a> {
    source: &'a str,
    /// Variables in scope, innermost last; the first is `$` (empty name).
    variables: Vec<(String, Value)>,
}

impl<'a> Exec<'a> {
    pub fn new(source: &'a str, root: &Value) -> Self {
        Exec {
            source,
            variables: vec![(String::new(), root.clone())],
        }
    }

    pub fn run(&mut self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<()> {
        for node in nodes {
            match node {
                Node::Text(text) => out.push_str(text),
                Node::Action(pipe) => {
                    let value = self.pipeline(pipe, dot)?;
                    if pipe.variables.is_empty() {
                        out.push_str(&to_text(&value));
                    }
                }
                Node::If {
                    pipe,
                    then,
                    otherwise,
                } => {
                    let scope = self.variables.len();
                    let branch = if truthy(&self.pipeline(pipe, dot)?) {
                        then
                    } else {
                        otherwise
                    };
                    self.run(branch, dot, out)?;
                    self.variables.truncate(scope);
                }
                Node::With {
                    pipe,
                    body,
                    otherwise,
                } => {
                    let scope = self.variables.len();
                    let value = self.pipeline(pipe, dot)?;
                    if truthy(&value) {
                        self.run(body, &value, out)?;
                    } else {
                        self.run(otherwise, dot, out)?;
                    }
                    self.variables.truncate(scope);
                }
                Node::Range {
                    pipe,
                    body,
                    otherwise,
                } => self.range(pipe, body, otherwise, dot, out)?,
            }
        }
        Ok(())
    }

    fn range(
        &mut self,
        pipe: &Pipeline,
        body: &[Node],
        otherwise: &[Node],
        dot: &Value,
        out: &mut String,
    ) -> Result<()> {
        let value = self.commands(pipe, dot)?;
        // (key, element) pairs: index or map key, and the value that becomes `.`.
        let entries: Vec<(Value, Value)> = match &value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::from(i), v.clone()))
                .collect(),
            Value::Object(map) => sorted(map)
                .into_iter()
                .map(|(k, v)| (Value::from(k.as_str()), v.clone()))
                .collect(),
            Value::Null => Vec::new(),
            other => {
                let message = format!(
                    "range can't iterate over {} {}",
                    type_name(other),
                    to_text(other)
                );
                return Err(error_at(self.source, pipe.offset, &message));
            }
        };
        if entries.is_empty() {
            return self.run(otherwise, dot, out);
        }
        for (key, element) in entries {
            let scope = self.variables.len();
            match pipe.variables.as_slice() {
                [only] => self.variables.push((only.clone(), element.clone())),
                [first, second] => {
                    self.variables.push((first.clone(), key));
                    self.variables.push((second.clone(), element.clone()));
                }
                _ => {}
            }
            self.run(body, &element, out)?;
            self.variables.truncate(scope);
        }
        Ok(())
    }

    /// Evaluates a pipeline and performs its declaration or assignment.
    fn pipeline(&mut self, pipe: &Pipeline, dot: &Value) -> Result<Value> {
        let value = self.commands(pipe, dot)?;
        for name in &pipe.variables {
            if pipe.assign {
                if let Some(slot) = self.variables.iter_mut().rev().find(|(n, _)| n == name) {
                    slot.1 = value.clone();
                }
            } else {
                self.variables.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    /// Evaluates the commands, each result passed as the last argument of the next.
    fn commands(&mut self, pipe: &Pipeline, dot: &Value) -> Result<Value> {
        let mut piped: Option<Value> = None;
        for command in &pipe.commands {
            let Some((first, rest)) = command.operands.split_first() else {
                continue;
            };
            let value = match &first.term {
                Term::Function(name) => {
                    let mut args = rest
                        .iter()
                        .map(|op| self.operand(op, dot))
                        .collect::<Result<Vec<_>>>()?;
                    args.extend(piped.take());
                    funcs::call(name, &args).map_err(|reason| {
                        error_at(
                            self.source,
                            first.offset,
                            &format!("executing at <{name}>: error calling {name}: {reason}"),
                        )
                    })?
                }
                _ => self.operand(first, dot)?,
            };
            piped = Some(value);
        }
        Ok(piped.unwrap_or(Value::Null))
    }

    fn operand(&mut self, operand: &Operand, dot: &Value) -> Result<Value> {
        match &operand.term {
            Term::Dot => Ok(dot.clone()),
            Term::Field(path) => self.walk(dot, path, operand),
            Term::Variable { name, path } => {
                let value = self
                    .variables
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone());
                let Some(value) = value else {
                    return Err(error_at(
                        self.source,
                        operand.offset,
                        &format!("undefined variable \"${name}\""),
                    ));
                };
                self.walk(&value, path, operand)
            }
            Term::Function(name) => funcs::call(name, &[]).map_err(|reason| {
                error_at(
                    self.source,
                    operand.offset,
                    &format!("executing at <{name}>: error calling {name}: {reason}"),
                )
            }),
            Term::Literal(value) => Ok(value.clone()),
            Term::Nil => Ok(Value::Null),
            Term::Nested { pipe, path } => {
                let value = self.commands(pipe, dot)?;
                self.walk(&value, path, operand)
            }
        }
    }

    /// Follows `.A.B` from `start`. A missing key is an error naming the keys
    /// that exist; a field of null is null (Go would fail on a nil pointer, but
    /// for JSON data an absent optional section reads better as `<nil>`).
    fn walk(&self, start: &Value, path: &[String], operand: &Operand) -> Result<Value> {
        let mut current = start;
        for name in path {
            current = match current {
                Value::Object(map) => match field(map, name) {
                    Some(value) => value,
                    None => {
                        let available: Vec<&str> =
                            sorted(map).into_iter().map(|(k, _)| k.as_str()).collect();
                        let hint = if available.is_empty() {
                            "the value has no fields".to_string()
                        } else {
                            format!("available fields: {}", available.join(", "))
                        };
                        let message = format!(
                            "executing at <{}>: can't evaluate field {name} ({hint})",
                            operand.term.describe()
                        );
                        return Err(error_at(self.source, operand.offset, &message));
                    }
                },
                Value::Null => return Ok(Value::Null),
                other => {
                    let message = format!(
                        "executing at <{}>: can't evaluate field {name} in type {}",
                        operand.term.describe(),
                        type_name(other)
                    );
                    return Err(error_at(self.source, operand.offset, &message));
                }
            };
        }
        Ok(current.clone())
    }
}

/// Renders the header row: literal text as is, and in place of each printed
/// value the title `title_for` gives its field path (`{{.CreatedAt}}` and
/// `{{json .CreatedAt}}` both become the title of ["CreatedAt"]). An `if` or
/// `with` shows its body's titles, or its condition's when the body prints no
/// field; a `range` shows its subject's title once.
pub fn header(nodes: &[Node], title_for: &dyn Fn(&[String]) -> String, out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Action(pipe) => {
                if pipe.variables.is_empty()
                    && let Some(path) = first_field(pipe)
                {
                    out.push_str(&title_for(path));
                }
            }
            Node::If {
                pipe, then: body, ..
            }
            | Node::With { pipe, body, .. } => {
                if prints_a_field(body) {
                    header(body, title_for, out);
                } else if let Some(path) = first_field(pipe) {
                    out.push_str(&title_for(path));
                }
            }
            Node::Range { pipe, .. } => {
                if let Some(path) = first_field(pipe) {
                    out.push_str(&title_for(path));
                }
            }
        }
    }
}

fn prints_a_field(nodes: &[Node]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Text(_) => false,
        Node::Action(pipe) => pipe.variables.is_empty() && first_field(pipe).is_some(),
        Node::If {
            pipe, then: body, ..
        }
        | Node::With { pipe, body, .. } => prints_a_field(body) || first_field(pipe).is_some(),
        Node::Range { pipe, .. } => first_field(pipe).is_some(),
    })
}

/// The first field path a pipeline reads (`.A.B` or `$.A.B`), if any.
fn first_field(pipe: &Pipeline) -> Option<&[String]> {
    pipe.commands
        .iter()
        .flat_map(|c| &c.operands)
        .find_map(|operand| match &operand.term {
            Term::Field(path) | Term::Variable { path, .. } if !path.is_empty() => {
                Some(path.as_slice())
            }
            Term::Nested { pipe, path } => {
                first_field(pipe).or((!path.is_empty()).then_some(path.as_slice()))
            }
            _ => None,
        })
}

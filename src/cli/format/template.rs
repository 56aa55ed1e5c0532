//! The Go text/template dialect of `--format`, as docker and podman accept it,
//! evaluated on JSON values.
//!
//! Supported: literal text with the `\t` and `\n` escapes; `{{.Field.Sub}}`
//! (exact key, else a unique case-insensitive match), `{{.}}`, `{{$}}`,
//! variables (`{{$x := .A}}`, `{{range $k, $v := .Labels}}`), string, number
//! and boolean constants, pipes (`{{.X | json}}`), parenthesized pipelines,
//! `{{if}}`/`{{else if}}`/`{{else}}`, `{{range}}`/`{{else}}`, `{{with}}`/`{{else}}`,
//! `{{/* comments */}}`, `{{-`/`-}}` trimming, and the functions listed in
//! `funcs::NAMES`. Not supported: `define`, `template`, `block`, `break`, `continue`.
//!
//! Every template renders one line per value: a newline is appended unless the
//! template already ends with one (podman's `NormalizeFormat`).

mod ast;
mod exec;
mod funcs;
mod lex;
mod parse;
mod printf;
pub(super) mod value;

#[cfg(test)]
mod tests;

use anyhow::{Result, anyhow};
use serde_json::Value;

use ast::Node;

#[derive(Debug)]
pub struct Template {
    source: String,
    nodes: Vec<Node>,
}

impl Template {
    /// Parses `source`. With `table`, spaces in literal text become tabs, so
    /// `table {{.ID}} {{.Names}}` makes two columns as in podman.
    pub fn parse(source: &str, table: bool) -> Result<Template> {
        let items = lex::lex(source, table)?;
        let mut nodes = parse::parse(source, items)?;
        if !matches!(nodes.last(), Some(Node::Text(text)) if text.ends_with('\n')) {
            nodes.push(Node::Text("\n".to_string()));
        }
        Ok(Template {
            source: source.to_string(),
            nodes,
        })
    }

    /// Renders the template with `data` as both `.` and `$`.
    pub fn execute(&self, data: &Value) -> Result<String> {
        let mut out = String::new();
        exec::Exec::new(&self.source, data).run(&self.nodes, data, &mut out)?;
        Ok(out)
    }

    /// Renders the header row, `title_for` naming the column of each field path.
    pub fn execute_header(&self, title_for: &dyn Fn(&[String]) -> String) -> String {
        let mut out = String::new();
        exec::header(&self.nodes, title_for, &mut out);
        out
    }
}

/// A one-line error naming the template and the line:column of `offset`,
/// shaped like Go's `template: NAME:LINE:COL: MESSAGE`.
fn error_at(source: &str, offset: usize, message: &str) -> anyhow::Error {
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    anyhow!("template: {source:?}:{line}:{column}: {message}")
}

//! `--format` for every listing and inspect command, podman-compatible.
//!
//! Commands turn their results into JSON rows (`serde_json::Value` objects)
//! and pick one of:
//! - the default table: the command's [`Column`]s, aligned like podman's
//!   tables (Go tabwriter, minimum width 12, padding 2);
//! - `json`: the rows as a JSON array, indented with 4 spaces as
//!   `podman images --format json` prints it;
//! - a Go template (`{{.ID}}\t{{.Size}}`), rendered once per row; with the
//!   `table ` prefix the rows are aligned and a header row is added.
//!
//! `inspect`-style commands use [`render_inspect`]: a JSON array indented with
//! 5 spaces (what podman's inspect encoder writes), or a template per object.

mod tabwriter;
mod template;

use std::io::Write;

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{PrettyFormatter, Serializer};

pub use template::Template;
use template::value::{field, to_text};

/// What `--format` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputFormat {
    /// No `--format` (or `table`): the command's default columns.
    Table,
    /// `json`: the rows as a pretty JSON array.
    Json,
    /// A Go template; `table` when it had the `table ` prefix (header row, aligned).
    Template { template: String, table: bool },
}

/// A column of a command's default table: its title and the row key it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub field: &'static str,
}

/// `podman images --format json` indents with 4 spaces (json.MarshalIndent).
const LIST_JSON_INDENT: &[u8] = b"    ";
/// podman's inspect commands indent with 5 spaces (`enc.SetIndent("", "     ")`).
const INSPECT_JSON_INDENT: &[u8] = b"     ";

/// Interprets a `--format` value the way podman does.
pub fn parse_format(format: Option<&str>) -> OutputFormat {
    let Some(format) = format else {
        return OutputFormat::Table;
    };
    let trimmed = format.trim();
    if trimmed.is_empty() || trimmed == "table" {
        return OutputFormat::Table;
    }
    if is_json_request(trimmed) {
        return OutputFormat::Json;
    }
    match format.strip_prefix("table ") {
        Some(rest) => OutputFormat::Template {
            template: rest.to_string(),
            table: true,
        },
        None => OutputFormat::Template {
            template: format.to_string(),
            table: false,
        },
    }
}

/// podman's `report.IsJSON`: `json`, and the non-templates `{{json}}` and
/// `{{json.}}`. `{{json .}}` is a real template and stays one: it prints one
/// JSON document per row, as docker does, which suits `jq`.
fn is_json_request(format: &str) -> bool {
    let inner = format
        .strip_prefix("{{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .map(str::trim);
    format == "json" || matches!(inner, Some("json" | "json."))
}

/// Renders listing rows with their header row (see [`render_with`]).
pub fn render(
    rows: &[Value],
    columns: &[Column],
    format: &OutputFormat,
    out: &mut impl Write,
) -> Result<()> {
    render_with(rows, columns, format, true, out)
}

/// Renders listing rows. `heading` false drops the header row (`--noheading`).
/// Templates without the `table ` prefix never get a header, as in podman.
/// The whole output is built before anything is written, so a template error
/// on the last row does not leave half a listing behind.
pub fn render_with(
    rows: &[Value],
    columns: &[Column],
    format: &OutputFormat,
    heading: bool,
    out: &mut impl Write,
) -> Result<()> {
    let text = match format {
        OutputFormat::Json => return write_json(rows, LIST_JSON_INDENT, out),
        OutputFormat::Table => {
            let mut text = String::new();
            if heading {
                push_line(&mut text, columns.iter().map(|c| c.header.to_string()));
            }
            for row in rows {
                push_line(&mut text, columns.iter().map(|c| cell_text(row, c.field)));
            }
            tabwriter::align(&text, tabwriter::PODMAN)
        }
        OutputFormat::Template { template, table } => {
            let parsed = Template::parse(template, *table)?;
            let mut text = String::new();
            if *table && heading {
                text.push_str(&parsed.execute_header(&|path| column_title(columns, path)));
            }
            for row in rows {
                text.push_str(&parsed.execute(row)?);
            }
            if *table {
                tabwriter::align(&text, tabwriter::PODMAN)
            } else {
                text
            }
        }
    };
    write_text(&text, out)
}

/// Renders a single object (e.g. `info`): pretty JSON unless a template was given.
pub fn render_one(value: &Value, format: &OutputFormat, out: &mut impl Write) -> Result<()> {
    match format {
        OutputFormat::Table | OutputFormat::Json => write_json(value, LIST_JSON_INDENT, out),
        OutputFormat::Template { .. } => {
            render_with(std::slice::from_ref(value), &[], format, true, out)
        }
    }
}

/// One object as podman's inspect encoder writes it (5-space indent), e.g. `diff --format json`.
pub fn write_inspect_object(value: &Value, out: &mut impl Write) -> Result<()> {
    write_json(value, INSPECT_JSON_INDENT, out)
}

/// `inspect` output: without a template (or with `json`), all objects as one
/// JSON array, `[]` when there are none; with a template, one rendering per
/// object (aligned, without a header, when it has the `table ` prefix, as podman).
pub fn render_inspect(
    values: &[Value],
    template: Option<&str>,
    out: &mut impl Write,
) -> Result<()> {
    match template.map(|t| parse_format(Some(t))) {
        None | Some(OutputFormat::Table | OutputFormat::Json) => {
            write_json(values, INSPECT_JSON_INDENT, out)
        }
        Some(format) => render_with(values, &[], &format, false, out),
    }
}

fn push_line(text: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            text.push('\t');
        }
        text.push_str(&cell);
    }
    text.push('\n');
}

/// A default-table cell: missing and null are empty; tabs and newlines in a
/// value become spaces so they cannot break the alignment.
fn cell_text(row: &Value, key: &str) -> String {
    let value = row.as_object().and_then(|map| field(map, key));
    let text = match value {
        None | Some(Value::Null) => return String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => to_text(other),
    };
    text.replace(['\t', '\n'], " ")
}

/// The header of a `table` template column: the command's own title when the
/// field is one of its columns, else the field name split at case changes and
/// upper-cased, as podman's `report.Headers` does (`CreatedAt` -> `CREATED AT`).
fn column_title(columns: &[Column], path: &[String]) -> String {
    if let [only] = path {
        let exact = columns.iter().find(|c| c.field == only);
        if let Some(column) =
            exact.or_else(|| columns.iter().find(|c| c.field.eq_ignore_ascii_case(only)))
        {
            return column.header.to_string();
        }
    }
    path.last()
        .map(|name| split_camel_case(name).join(" ").to_uppercase())
        .unwrap_or_default()
}

/// Splits at case changes like github.com/fatih/camelcase (used by podman):
/// "CreatedAt" -> [Created, At], "ImageID" -> [Image, ID], "PIDFile" -> [PID, File].
fn split_camel_case(name: &str) -> Vec<String> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Lower,
        Upper,
        Digit,
        Other,
    }
    let class = |c: char| match c {
        c if c.is_lowercase() => Class::Lower,
        c if c.is_uppercase() => Class::Upper,
        c if c.is_numeric() => Class::Digit,
        _ => Class::Other,
    };
    let mut runs: Vec<(Class, Vec<char>)> = Vec::new();
    for c in name.chars() {
        match runs.last_mut() {
            Some((last, chars)) if *last == class(c) => chars.push(c),
            _ => runs.push((class(c), vec![c])),
        }
    }
    // An upper-case run followed by lower case gives its last letter to the word after it.
    for i in 0..runs.len().saturating_sub(1) {
        if runs[i].0 == Class::Upper
            && runs[i + 1].0 == Class::Lower
            && let Some(c) = runs[i].1.pop()
        {
            runs[i + 1].1.insert(0, c);
        }
    }
    runs.into_iter()
        .filter(|(_, chars)| !chars.is_empty())
        .map(|(_, chars)| chars.into_iter().collect())
        .collect()
}

fn write_json<T: Serialize + ?Sized>(value: &T, indent: &[u8], out: &mut impl Write) -> Result<()> {
    let mut buffer = Vec::new();
    let mut serializer =
        Serializer::with_formatter(&mut buffer, PrettyFormatter::with_indent(indent));
    value
        .serialize(&mut serializer)
        .context("encoding the output as JSON")?;
    buffer.push(b'\n');
    out.write_all(&buffer).context("writing the output")
}

fn write_text(text: &str, out: &mut impl Write) -> Result<()> {
    out.write_all(text.as_bytes()).context("writing the output")
}

#[cfg(test)]
mod tests;

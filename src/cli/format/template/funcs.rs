//! The functions a `--format` template can call: Go's builtins that make sense
//! on JSON data, plus the helpers podman adds (containers/common report.DefaultFuncs).
//! Arguments arrive evaluated; a piped value is the last argument, as in Go.

use std::cmp::Ordering;

use serde_json::Value;

use super::printf::sprintf;
use super::value::{to_text, truthy, type_name};

/// Every function name, for the "not defined" hint.
pub const NAMES: [&str; 22] = [
    "and", "eq", "ge", "gt", "index", "join", "json", "le", "len", "lower", "lt", "ne", "not",
    "or", "pad", "print", "printf", "println", "split", "title", "truncate", "upper",
];

pub fn exists(name: &str) -> bool {
    NAMES.contains(&name)
}

/// Calls `name`; the error is a bare reason, the caller adds where it happened.
pub fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    let fixed = |want: usize| {
        if args.len() == want {
            Ok(())
        } else {
            Err(format!(
                "wrong number of args for {name}: want {want} got {}",
                args.len()
            ))
        }
    };
    let at_least = |want: usize| {
        if args.len() >= want {
            Ok(())
        } else {
            Err(format!(
                "wrong number of args for {name}: want at least {want} got {}",
                args.len()
            ))
        }
    };
    let string = |s: String| Ok(Value::String(s));
    match name {
        "json" => {
            fixed(1)?;
            serde_json::to_string(&args[0])
                .map(Value::String)
                .map_err(|e| e.to_string())
        }
        "upper" => fixed(1).and_then(|()| string(text(&args[0]).to_uppercase())),
        "lower" => fixed(1).and_then(|()| string(text(&args[0]).to_lowercase())),
        "title" => fixed(1).and_then(|()| string(title(&text(&args[0])))),
        "truncate" => {
            fixed(2)?;
            let length = usize::try_from(integer(&args[1])?).unwrap_or(0);
            string(text(&args[0]).chars().take(length).collect())
        }
        "pad" => {
            fixed(3)?;
            let source = text(&args[0]);
            if source.is_empty() {
                return string(source);
            }
            let spaces =
                |v: &Value| integer(v).map(|n| " ".repeat(usize::try_from(n).unwrap_or(0)));
            string(format!(
                "{}{source}{}",
                spaces(&args[1])?,
                spaces(&args[2])?
            ))
        }
        "join" => {
            fixed(2)?;
            let Value::Array(items) = &args[0] else {
                return Err(format!(
                    "join needs a list first, got {} {}",
                    type_name(&args[0]),
                    args[0]
                ));
            };
            string(
                items
                    .iter()
                    .map(text)
                    .collect::<Vec<_>>()
                    .join(&text(&args[1])),
            )
        }
        "split" => {
            fixed(2)?;
            let parts = text(&args[0])
                .split(text(&args[1]).as_str())
                .map(|s| Value::String(s.to_string()))
                .collect();
            Ok(Value::Array(parts))
        }
        "printf" => {
            at_least(1)?;
            string(sprintf(&text(&args[0]), &args[1..]))
        }
        "print" => string(sprint(args)),
        "println" => string(args.iter().map(text).collect::<Vec<_>>().join(" ") + "\n"),
        "len" => {
            fixed(1)?;
            match &args[0] {
                Value::String(s) => Ok(Value::from(s.len())),
                Value::Array(items) => Ok(Value::from(items.len())),
                Value::Object(map) => Ok(Value::from(map.len())),
                other => Err(format!("len of type {}", type_name(other))),
            }
        }
        "index" => {
            at_least(1)?;
            args[1..]
                .iter()
                .try_fold(args[0].clone(), |item, key| index(&item, key))
        }
        "not" => fixed(1).map(|()| Value::Bool(!truthy(&args[0]))),
        // Go returns the first falsy (and) or truthy (or) argument, else the last.
        "and" => at_least(2).map(|()| {
            args.iter()
                .find(|a| !truthy(a))
                .unwrap_or(&args[args.len() - 1])
                .clone()
        }),
        "or" => at_least(2).map(|()| {
            args.iter()
                .find(|a| truthy(a))
                .unwrap_or(&args[args.len() - 1])
                .clone()
        }),
        "eq" => {
            at_least(2)?;
            Ok(Value::Bool(
                args[1..].iter().any(|other| equal(&args[0], other)),
            ))
        }
        "ne" => fixed(2).map(|()| Value::Bool(!equal(&args[0], &args[1]))),
        "lt" | "le" | "gt" | "ge" => {
            fixed(2)?;
            let order = compare(&args[0], &args[1])?;
            let result = match name {
                "lt" => order == Ordering::Less,
                "le" => order != Ordering::Greater,
                "gt" => order == Ordering::Greater,
                _ => order != Ordering::Less,
            };
            Ok(Value::Bool(result))
        }
        other => Err(format!("function {other:?} not defined")),
    }
}

/// String arguments: strings as they are, anything else as it would print.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => to_text(other),
    }
}

fn integer(value: &Value) -> Result<i64, String> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("expected an integer, got {n}")),
        other => Err(format!(
            "expected an integer, got {} {other}",
            type_name(other)
        )),
    }
}

/// Go's `fmt.Sprint`: a space between two operands when neither is a string.
fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 && !args[i - 1].is_string() && !arg.is_string() {
            out.push(' ');
        }
        out.push_str(&text(arg));
    }
    out
}

/// Upper-cases the first letter of each word, like Go's strings.Title.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if at_word_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_word_start = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    out
}

fn index(item: &Value, key: &Value) -> Result<Value, String> {
    match (item, key) {
        (Value::Array(items), Value::Number(n)) => {
            let found = n
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| items.get(i));
            found
                .cloned()
                .ok_or_else(|| format!("index out of range: {n}"))
        }
        // Exact keys, as indexing a Go map (label keys are data, not field names);
        // a missing key gives nil.
        (Value::Object(map), Value::String(k)) => Ok(map.get(k).cloned().unwrap_or(Value::Null)),
        (Value::Null, _) => Ok(Value::Null),
        (item, key) => Err(format!(
            "can't index item of type {} with {} {key}",
            type_name(item),
            type_name(key)
        )),
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        // 1 equals 1.0; integers compare exactly even beyond f64 precision.
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x
                .as_u64()
                .zip(y.as_u64())
                .map_or_else(|| x.as_f64() == y.as_f64(), |(x, y)| x == y),
        },
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Result<Ordering, String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x.partial_cmp(&y)
                .ok_or_else(|| "can't compare NaN".to_string())
        }
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        _ => Err(format!(
            "incompatible types for comparison: {} and {}",
            type_name(a),
            type_name(b)
        )),
    }
}

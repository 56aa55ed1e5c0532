//! The YAML podman prints `info` in (what Go's yaml.v3 writes): two-space indents, sequences
//! of maps as `- key: value`, `{}`/`[]` for empty collections, quotes only where YAML needs
//! them and `|-` blocks for multi-line strings.

use serde_json::Value;

/// `value` (an object) as YAML, keys sorted.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    if let Value::Object(map) = value {
        write_map(&mut out, map, 0, false);
    } else {
        out.push_str(&scalar(value, 0));
        out.push('\n');
    }
    out
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize, item: bool) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for (index, key) in keys.into_iter().enumerate() {
        // The first key of a sequence item sits after its "- ".
        if !(item && index == 0) {
            out.push_str(&" ".repeat(indent));
        }
        write_entry(out, key, &map[key], indent);
    }
}

fn write_entry(out: &mut String, key: &str, value: &Value, indent: usize) {
    out.push_str(&plain_or_quoted(key));
    out.push(':');
    match value {
        Value::Object(map) if map.is_empty() => out.push_str(" {}\n"),
        Value::Array(items) if items.is_empty() => out.push_str(" []\n"),
        Value::Object(map) => {
            out.push('\n');
            write_map(out, map, indent + 2, false);
        }
        // yaml.v3 puts a map's sequence at the map's own indentation.
        Value::Array(items) => {
            out.push('\n');
            write_items(out, items, indent);
        }
        scalar_value => {
            out.push(' ');
            out.push_str(&scalar(scalar_value, indent + 2));
            out.push('\n');
        }
    }
}

fn write_items(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => write_map(out, map, indent + 2, true),
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_items(out, inner, indent + 2);
            }
            other => {
                let text = match other {
                    Value::Object(_) => "{}".to_string(),
                    Value::Array(_) => "[]".to_string(),
                    v => scalar(v, indent + 2),
                };
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
}

fn scalar(value: &Value, indent: usize) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.contains('\n') => {
            let pad = " ".repeat(indent);
            let body: Vec<String> = s.lines().map(|l| format!("{pad}{l}")).collect();
            format!("|-\n{}", body.join("\n"))
        }
        Value::String(s) => plain_or_quoted(s),
        other => other.to_string(),
    }
}

/// `s` as is when YAML reads it back as that string, else quoted: single quotes, or double
/// quotes for what would otherwise read as a number, boolean or null (as yaml.v3 does).
fn plain_or_quoted(s: &str) -> String {
    let reads_as_other_type = s.is_empty()
        || matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
        )
        || s.parse::<f64>().is_ok();
    if reads_as_other_type {
        return serde_json::to_string(s).unwrap_or_default();
    }
    let needs_quotes = s
        .starts_with(|c: char| c.is_whitespace() || "-?:,[]{}#&*!|>'\"%@`".contains(c))
        || s.ends_with(|c: char| c.is_whitespace() || c == ':')
        || s.contains(": ")
        || s.contains(" #")
        || s.chars().any(char::is_control);
    if !needs_quotes {
        s.to_string()
    } else if s.chars().any(char::is_control) {
        serde_json::to_string(s).unwrap_or_default()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn podman_layout() {
        let value = json!({
            "store": {"imageStore": {"number": 2}, "graphOptions": {}, "graphRoot": "/home/a/.local/share/engine"},
            "host": {
                "idMappings": {"uidmap": [{"container_id": 0, "host_id": 1000, "size": 1}]},
                "cgroupControllers": [],
                "ociRuntime": {"version": "crun version 1.8\ncommit: abc"},
                "distribution": {"version": "12"},
                "conmon": "conmon version 2.1.6, commit: unknown",
                "rootless": true,
            },
            "warnings": ["one", ""],
        });
        let want = "\
host:
  cgroupControllers: []
  conmon: 'conmon version 2.1.6, commit: unknown'
  distribution:
    version: \"12\"
  idMappings:
    uidmap:
    - container_id: 0
      host_id: 1000
      size: 1
  ociRuntime:
    version: |-
      crun version 1.8
      commit: abc
  rootless: true
store:
  graphOptions: {}
  graphRoot: /home/a/.local/share/engine
  imageStore:
    number: 2
warnings:
- one
- \"\"
";
        assert_eq!(to_yaml(&value), want);
    }

    #[test]
    fn quoting() {
        for (text, want) in [
            ("plain text", "plain text"),
            ("", "\"\""),
            ("yes", "\"yes\""),
            ("1.5", "\"1.5\""),
            ("- dash", "'- dash'"),
            ("it's: x", "'it''s: x'"),
            ("tab\there", "\"tab\\there\""),
            ("/usr/bin/pasta", "/usr/bin/pasta"),
        ] {
            assert_eq!(plain_or_quoted(text), want, "{text:?}");
        }
    }
}

//! How Go's text/template sees JSON data: printing (`%v`), truthiness and type names.
//! The data model is what Go's `encoding/json` decodes into `interface{}`:
//! objects are maps, arrays are slices, null is nil.

use serde_json::{Map, Number, Value};

use crate::cli::humanize::go_format_g;

/// The value as `{{.X}}` prints it (Go's `fmt.Sprint`): strings as is, numbers
/// in Go's notation, `[a b]` for arrays, `map[k:v]` (keys sorted) for objects
/// and `<nil>` for null.
pub fn to_text(value: &Value) -> String {
    let mut out = String::new();
    write_text(value, &mut out);
    out
}

fn write_text(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_text(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("map[");
            for (i, (key, item)) in sorted(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_text(item, out);
            }
            out.push(']');
        }
    }
}

/// Integers print as integers (Go struct fields are ints); other numbers as Go's `%v` of a float64.
pub fn number_text(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        n.to_string()
    } else {
        go_format_g(n.as_f64().unwrap_or(f64::NAN), None)
    }
}

/// Object entries in key order, as Go prints and ranges over maps.
pub fn sorted(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// Go's truth: false, 0, nil and empty strings, arrays and maps are false.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// The Go type that `encoding/json` would decode the value into, for messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Looks a key up exactly, else by a unique case-insensitive match (so `.Id`
/// finds "ID", as users of docker and podman templates expect).
pub fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = map.get(name) {
        return Some(value);
    }
    let mut matches = map.iter().filter(|(key, _)| key.eq_ignore_ascii_case(name));
    match (matches.next(), matches.next()) {
        (Some((_, value)), None) => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prints_like_go_sprint() {
        assert_eq!(to_text(&json!("x y")), "x y");
        assert_eq!(to_text(&json!(42)), "42");
        assert_eq!(to_text(&json!(-7)), "-7");
        assert_eq!(to_text(&json!(1.5)), "1.5");
        assert_eq!(to_text(&json!(2e6)), "2e+06");
        assert_eq!(to_text(&json!(true)), "true");
        assert_eq!(to_text(&json!(null)), "<nil>");
        assert_eq!(to_text(&json!(["a", 1, ["b"]])), "[a 1 [b]]");
        assert_eq!(to_text(&json!({"b": 2, "a": "x"})), "map[a:x b:2]");
    }

    #[test]
    fn truth_follows_go() {
        for falsy in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&falsy), "{falsy} should be false");
        }
        for truthy_value in [
            json!(true),
            json!(-1),
            json!("0"),
            json!([0]),
            json!({"a": null}),
        ] {
            assert!(truthy(&truthy_value), "{truthy_value} should be true");
        }
    }

    #[test]
    fn field_lookup_prefers_exact_then_unique_case_insensitive() {
        let map = json!({"ID": 1, "Name": 2, "name": 3, "Size": 4});
        let map = map.as_object().unwrap();
        assert_eq!(field(map, "ID"), Some(&json!(1)));
        assert_eq!(field(map, "Id"), Some(&json!(1)));
        assert_eq!(field(map, "name"), Some(&json!(3)));
        assert_eq!(
            field(map, "NAME"),
            None,
            "two case-insensitive matches are ambiguous"
        );
        assert_eq!(field(map, "Missing"), None);
    }
}

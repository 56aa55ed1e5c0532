//! `ps --filter KEY=VALUE` with docker's and podman's keys. Values of one key are alternatives
//! (any may match), different keys must all match; `label` is the exception, as in podman:
//! every label filter must match.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use super::state_name;
use crate::store::ContainerRecord;

const KEYS: &str = "status, name, id, label, ancestor, exited";
const STATUSES: &str = "created, running, paused, exited, stopped, unknown";

#[derive(Debug, Default)]
pub struct ContainerFilter {
    /// Key -> the values given for it.
    by_key: BTreeMap<String, Vec<String>>,
}

impl ContainerFilter {
    /// Parses `KEY=VALUE` filters, refusing unknown keys and malformed values.
    pub fn parse(filters: &[String]) -> Result<ContainerFilter> {
        let mut filter = ContainerFilter::default();
        for text in filters {
            let Some((key, value)) = text.split_once('=') else {
                bail!("invalid filter {text:?}: use KEY=VALUE with KEY one of {KEYS}");
            };
            match key {
                "status" if !STATUSES.split(", ").any(|s| s == value) => {
                    bail!(
                        "invalid filter {text:?}: unknown container status; use one of {STATUSES}"
                    )
                }
                "exited" if value.parse::<i32>().is_err() => {
                    bail!("invalid filter {text:?}: exited takes an exit code such as 0 or 137")
                }
                "status" | "name" | "id" | "label" | "ancestor" | "exited" => {}
                _ => bail!("invalid filter {text:?}: unknown key {key:?}; use one of {KEYS}"),
            }
            filter
                .by_key
                .entry(key.to_string())
                .or_default()
                .push(value.to_string());
        }
        Ok(filter)
    }

    /// Whether a status filter is present: it lists stopped containers without `-a`, as in
    /// docker and podman.
    pub fn selects_by_status(&self) -> bool {
        self.by_key.contains_key("status")
    }

    pub fn matches(&self, record: &ContainerRecord) -> bool {
        self.by_key.iter().all(|(key, values)| match key.as_str() {
            "label" => values.iter().all(|v| label_matches(record, v)),
            _ => values.iter().any(|v| key_matches(record, key, v)),
        })
    }
}

fn key_matches(record: &ContainerRecord, key: &str, value: &str) -> bool {
    match key {
        "status" => match value {
            "stopped" => state_name(record) == "exited",
            other => state_name(record) == other,
        },
        "name" => pattern_matches(value, &record.name),
        "id" => record.id.starts_with(value),
        "ancestor" => ancestor_matches(record, value),
        "exited" => {
            state_name(record) == "exited"
                && value.parse::<i32>().ok() == Some(record.exit_code.unwrap_or(0))
        }
        _ => false,
    }
}

/// `label=KEY` (present with any value) or `label=KEY=VALUE`.
fn label_matches(record: &ContainerRecord, filter: &str) -> bool {
    match filter.split_once('=') {
        Some((key, value)) => record.labels.get(key).is_some_and(|v| v == value),
        None => record.labels.contains_key(filter),
    }
}

/// The image by ID prefix, by the name the container was created with, or by that name's short
/// forms (`busybox` for `docker.io/library/busybox:latest`).
fn ancestor_matches(record: &ContainerRecord, value: &str) -> bool {
    if !record.image_id.is_empty()
        && record
            .image_id
            .starts_with(value.trim_start_matches("sha256:"))
    {
        return true;
    }
    let name = record.image_name.as_str();
    let untagged = name.strip_suffix(":latest").unwrap_or(name);
    let wanted = value.strip_suffix(":latest").unwrap_or(value);
    untagged == wanted
        || untagged.ends_with(&format!("/{wanted}"))
            && !wanted.is_empty()
            && !wanted.starts_with('/')
}

/// podman matches names with a regular expression; this is the subset names need: literal
/// characters, `.` (any character), `X*` (zero or more), `^` and `$` anchors, `\` escapes.
/// Without `^` it matches anywhere in the text.
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    if let Some(anchored) = pattern.strip_prefix(&['^']) {
        return match_here(anchored, &text);
    }
    (0..=text.len()).any(|start| match_here(&pattern, &text[start..]))
}

/// One pattern element: a character, any character, or an escaped character.
#[derive(Clone, Copy)]
enum Atom {
    Any,
    Char(char),
}

fn first_atom(pattern: &[char]) -> Option<(Atom, usize)> {
    match pattern {
        ['\\', c, ..] => Some((Atom::Char(*c), 2)),
        ['.', ..] => Some((Atom::Any, 1)),
        [c, ..] => Some((Atom::Char(*c), 1)),
        [] => None,
    }
}

fn atom_matches(atom: Atom, c: char) -> bool {
    match atom {
        Atom::Any => true,
        Atom::Char(want) => want == c,
    }
}

fn match_here(pattern: &[char], text: &[char]) -> bool {
    let Some((atom, len)) = first_atom(pattern) else {
        return true;
    };
    if pattern == ['$'] {
        return text.is_empty();
    }
    if pattern.get(len) == Some(&'*') {
        let rest = &pattern[len + 1..];
        // Try the shortest repetition first; any count of matching characters may do.
        let mut i = 0;
        loop {
            if match_here(rest, &text[i..]) {
                return true;
            }
            if i < text.len() && atom_matches(atom, text[i]) {
                i += 1;
            } else {
                return false;
            }
        }
    }
    match text.split_first() {
        Some((c, rest)) if atom_matches(atom, *c) => match_here(&pattern[len..], rest),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ContainerStatus;

    fn record(name: &str, status: ContainerStatus, exit: Option<i32>) -> ContainerRecord {
        serde_json::from_value(serde_json::json!({
            "id": format!("{:0>64}", name.len()), "name": name,
            "image_id": "3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
            "image_name": "docker.io/library/busybox:latest", "command": ["sh"],
            "created": "2026-01-01T00:00:00Z", "labels": {"tier": "web", "env": "prod"},
            "layers": [], "rootfs_driver": "overlay", "status": status,
            "exit_code": exit, "started_at": null, "finished_at": null,
        }))
        .unwrap()
    }

    fn matches(filters: &[&str], r: &ContainerRecord) -> bool {
        let filters: Vec<String> = filters.iter().map(|s| s.to_string()).collect();
        ContainerFilter::parse(&filters).unwrap().matches(r)
    }

    #[test]
    fn same_key_is_or_different_keys_are_and_labels_are_and() {
        let web = record("web", ContainerStatus::Exited, Some(0));
        assert!(matches(&["status=running", "status=exited"], &web));
        assert!(!matches(&["status=running", "name=web"], &web));
        assert!(matches(&["status=exited", "name=web"], &web));
        assert!(matches(&["label=tier", "label=env=prod"], &web));
        assert!(!matches(&["label=tier", "label=env=dev"], &web));
        assert!(matches(&[], &web));
    }

    #[test]
    fn each_key() {
        let web = record("web-1", ContainerStatus::Exited, Some(3));
        let created = record("db", ContainerStatus::Created, None);
        assert!(matches(&["exited=3"], &web));
        assert!(!matches(&["exited=0"], &web));
        assert!(!matches(&["exited=0"], &created));
        assert!(matches(&["status=stopped"], &web));
        assert!(matches(&["status=created"], &created));
        assert!(matches(&["id=0000"], &web));
        assert!(!matches(&["id=1"], &web));
        for image in [
            "busybox",
            "busybox:latest",
            "library/busybox",
            "3f57d94",
            "sha256:3f57",
        ] {
            assert!(matches(&[&format!("ancestor={image}")], &web), "{image}");
        }
        for image in ["box", "alpine", "busybox:1.36", "/busybox"] {
            assert!(!matches(&[&format!("ancestor={image}")], &web), "{image}");
        }
    }

    #[test]
    fn bad_filters_are_refused_with_the_valid_choices() {
        for bad in ["status=bogus", "exited=x", "bogus=1", "name"] {
            let err = ContainerFilter::parse(&[bad.to_string()]).unwrap_err();
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn names_match_like_a_regular_expression() {
        assert!(pattern_matches("web", "my-web-1"));
        assert!(pattern_matches("^my", "my-web-1"));
        assert!(!pattern_matches("^web", "my-web-1"));
        assert!(pattern_matches("web-.$", "my-web-1"));
        assert!(!pattern_matches("web$", "my-web-1"));
        assert!(pattern_matches("^m.*1$", "my-web-1"));
        assert!(pattern_matches("a\\.b", "xa.b"));
        assert!(!pattern_matches("a\\.b", "xacb"));
        assert!(pattern_matches("^x*y", "xxxy"));
        assert!(pattern_matches("", "anything"));
    }
}

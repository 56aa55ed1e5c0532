//! `--change`: Dockerfile instructions applied to an image config by `commit` and `import`
//! (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL; ONBUILD is
//! ignored with a warning, as OCI configs cannot hold it).
//!
//! The config is edited as JSON (`config` object of the image configuration), so fields this
//! engine does not model survive.

use anyhow::Result;
use serde_json::{Map, Value, json};

/// Applies each `INSTRUCTION args` (or `INSTRUCTION=args`) to `config`, in order.
pub fn apply_changes(config: &mut Map<String, Value>, changes: &[String]) -> Result<()> {
    for change in changes {
        apply_change(config, change)?;
    }
    Ok(())
}

fn apply_change(config: &mut Map<String, Value>, change: &str) -> Result<()> {
    let change = change.trim();
    let split = change
        .find(|c: char| c == '=' || c.is_whitespace())
        .unwrap_or(change.len());
    let (instruction, rest) = change.split_at(split);
    let args = rest.strip_prefix('=').unwrap_or(rest).trim();
    let bad =
        |why: &str| -> anyhow::Error { anyhow::anyhow!("invalid --change {change:?}: {why}") };
    match instruction.to_ascii_uppercase().as_str() {
        "CMD" => {
            config.insert("Cmd".into(), command_form(args).map_err(|e| bad(&e))?);
        }
        "ENTRYPOINT" => {
            let value = command_form(args).map_err(|e| bad(&e))?;
            config.insert("Entrypoint".into(), value);
            // As in a Dockerfile, a new entrypoint drops the inherited command.
            config.remove("Cmd");
        }
        "ENV" => {
            for (key, value) in key_values(args).map_err(|e| bad(&e))? {
                set_env(config, &key, &value);
            }
        }
        "LABEL" => {
            let labels = object(config, "Labels");
            for (key, value) in key_values(args).map_err(|e| bad(&e))? {
                labels.insert(key, Value::String(value));
            }
        }
        "EXPOSE" => {
            let words: Vec<&str> = args.split_whitespace().collect();
            if words.is_empty() {
                return Err(bad("name at least one port, e.g. EXPOSE 8080/tcp"));
            }
            let ports = object(config, "ExposedPorts");
            for word in words {
                let port = if word.contains('/') {
                    word.to_string()
                } else {
                    format!("{word}/tcp")
                };
                let number = port.split('/').next().unwrap_or_default();
                if number.parse::<u16>().is_err() {
                    return Err(bad(&format!("{word:?} is not a port number")));
                }
                ports.insert(port, json!({}));
            }
        }
        "USER" => {
            if args.is_empty() {
                return Err(bad("name a user, e.g. USER 1000:1000"));
            }
            config.insert("User".into(), Value::String(args.into()));
        }
        "VOLUME" => {
            let paths = match serde_json::from_str::<Vec<String>>(args) {
                Ok(list) => list,
                Err(_) => args.split_whitespace().map(String::from).collect(),
            };
            if paths.is_empty() || paths.iter().any(|p| !p.starts_with('/')) {
                return Err(bad("volumes are absolute paths, e.g. VOLUME /data"));
            }
            let volumes = object(config, "Volumes");
            for path in paths {
                volumes.insert(path, json!({}));
            }
        }
        "WORKDIR" => {
            if args.is_empty() {
                return Err(bad("name a directory, e.g. WORKDIR /app"));
            }
            let dir = if args.starts_with('/') {
                args.to_string()
            } else {
                let current = config
                    .get("WorkingDir")
                    .and_then(Value::as_str)
                    .unwrap_or("/");
                format!("{}/{args}", current.trim_end_matches('/'))
            };
            config.insert("WorkingDir".into(), Value::String(dir));
        }
        "STOPSIGNAL" => {
            if args.is_empty() {
                return Err(bad("name a signal, e.g. STOPSIGNAL SIGINT"));
            }
            config.insert("StopSignal".into(), Value::String(args.into()));
        }
        "ONBUILD" => {
            eprintln!(
                "WARNING: --change {change:?} ignored: ONBUILD is not part of OCI image configs"
            );
        }
        _ => {
            return Err(bad(
                "use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR or STOPSIGNAL",
            ));
        }
    }
    Ok(())
}

/// The exec form `["a","b"]`, else the shell form run by `/bin/sh -c`.
fn command_form(args: &str) -> std::result::Result<Value, String> {
    if args.starts_with('[') {
        return serde_json::from_str::<Vec<String>>(args)
            .map(|list| json!(list))
            .map_err(|e| format!("not a JSON array of strings ({e})"));
    }
    if args.is_empty() {
        return Err("give a command".into());
    }
    Ok(json!(["/bin/sh", "-c", args]))
}

/// `KEY=VALUE ...` (values may be double-quoted), or the old form `KEY VALUE`.
fn key_values(args: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let first = args.split_whitespace().next().unwrap_or_default();
    if !first.contains('=') {
        let Some((key, value)) = args.split_once(char::is_whitespace) else {
            return Err("expected KEY=VALUE".into());
        };
        return Ok(vec![(key.to_string(), value.trim().to_string())]);
    }
    let mut pairs = Vec::new();
    for word in shell_words(args)? {
        let Some((key, value)) = word.split_once('=') else {
            return Err(format!("{word:?} is not KEY=VALUE"));
        };
        if key.is_empty() {
            return Err(format!("{word:?} has an empty key"));
        }
        pairs.push((key.to_string(), value.to_string()));
    }
    Ok(pairs)
}

/// Splits on whitespace outside double quotes, dropping the quotes.
fn shell_words(args: &str) -> std::result::Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut chars = args.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => word.extend(chars.next()),
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if quoted {
        return Err("unterminated double quote".into());
    }
    if !word.is_empty() {
        words.push(word);
    }
    Ok(words)
}

/// Sets `KEY=VALUE` in `Env`, replacing an earlier value of KEY.
pub fn set_env(config: &mut Map<String, Value>, key: &str, value: &str) {
    let entry = config.entry("Env").or_insert_with(|| json!([]));
    if !entry.is_array() {
        *entry = json!([]);
    }
    if let Some(list) = entry.as_array_mut() {
        let prefix = format!("{key}=");
        list.retain(|v| !v.as_str().is_some_and(|s| s.starts_with(&prefix)));
        list.push(Value::String(format!("{key}={value}")));
    }
}

/// The object at `key`, created (or replacing a null) if needed.
fn object<'a>(config: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = config.entry(key).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    match entry {
        Value::Object(map) => map,
        _ => unreachable!("replaced by an object above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(changes: &[&str]) -> Result<Value> {
        let mut config = Map::new();
        config.insert("Cmd".into(), json!(["old"]));
        config.insert("Env".into(), json!(["PATH=/bin", "A=1"]));
        let changes: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        apply_changes(&mut config, &changes)?;
        Ok(Value::Object(config))
    }

    #[test]
    fn each_instruction_edits_its_field() {
        let c = applied(&[
            "CMD=/bin/app --flag",
            "ENV A=2 B=\"two words\"",
            "LABEL=version=1",
            "EXPOSE 8080 53/udp",
            "USER 1000:1000",
            "VOLUME [\"/data\"]",
            "WORKDIR /srv",
            "WORKDIR app",
            "STOPSIGNAL SIGINT",
            "ONBUILD RUN true",
        ])
        .unwrap();
        assert_eq!(c["Cmd"], json!(["/bin/sh", "-c", "/bin/app --flag"]));
        assert_eq!(c["Env"], json!(["PATH=/bin", "A=2", "B=two words"]));
        assert_eq!(c["Labels"], json!({"version": "1"}));
        assert_eq!(c["ExposedPorts"], json!({"8080/tcp": {}, "53/udp": {}}));
        assert_eq!(c["User"], "1000:1000");
        assert_eq!(c["Volumes"], json!({"/data": {}}));
        assert_eq!(c["WorkingDir"], "/srv/app");
        assert_eq!(c["StopSignal"], "SIGINT");
    }

    #[test]
    fn entrypoint_drops_the_inherited_cmd() {
        let c = applied(&["ENTRYPOINT [\"/bin/app\"]"]).unwrap();
        assert_eq!(c["Entrypoint"], json!(["/bin/app"]));
        assert!(c.get("Cmd").is_none());
        let c = applied(&["ENTRYPOINT [\"/bin/app\"]", "CMD [\"x\"]"]).unwrap();
        assert_eq!(c["Cmd"], json!(["x"]));
    }

    #[test]
    fn bad_changes_are_refused() {
        for bad in [
            "RUN true",
            "CMD [not json",
            "EXPOSE http",
            "VOLUME data",
            "ENV A",
            "",
        ] {
            let err = applied(&[bad]).unwrap_err().to_string();
            assert!(err.starts_with("invalid --change"), "{bad}: {err}");
        }
    }
}

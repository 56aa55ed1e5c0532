//! The `[Container]` section of a Quadlet `.container` file, turned into `engine run` arguments.
//! Keys and their meaning follow podman-systemd.unit(5); a key that engine cannot honour is an
//! error naming the file and line, never silently dropped.

use anyhow::{Result, bail};

use super::syntax::{Entry, Percent, UnitFile, parse_bool, quote_word, split_words};

/// How a key becomes `engine run` arguments.
#[derive(Clone, Copy)]
enum Kind {
    /// `--flag=VALUE`; the last occurrence wins (`run` takes the flag once).
    Single(&'static str),
    /// `--flag=VALUE` per occurrence.
    Multi(&'static str),
    /// The value is split into words (systemd quoting); `--flag=WORD` per word.
    Words(&'static str),
    /// A boolean: the flag when true.
    Flag(&'static str),
    /// `--security-opt=PREFIX` + value; the last occurrence wins.
    SecurityOpt(&'static str),
}

const KEYS: &[(&str, Kind)] = &[
    ("AddCapability", Kind::Words("--cap-add")),
    ("Annotation", Kind::Words("--annotation")),
    ("DropCapability", Kind::Words("--cap-drop")),
    ("Entrypoint", Kind::Single("--entrypoint")),
    ("Environment", Kind::Words("--env")),
    ("EnvironmentFile", Kind::Multi("--env-file")),
    ("GroupAdd", Kind::Multi("--group-add")),
    ("HostName", Kind::Single("--hostname")),
    ("Label", Kind::Words("--label")),
    ("Mount", Kind::Multi("--mount")),
    ("Network", Kind::Multi("--network")),
    (
        "NoNewPrivileges",
        Kind::Flag("--security-opt=no-new-privileges"),
    ),
    ("PublishPort", Kind::Multi("--publish")),
    ("Pull", Kind::Single("--pull")),
    ("ReadOnly", Kind::Flag("--read-only")),
    ("RunInit", Kind::Flag("--init")),
    ("SeccompProfile", Kind::SecurityOpt("seccomp=")),
    ("Tmpfs", Kind::Multi("--tmpfs")),
    ("Ulimit", Kind::Multi("--ulimit")),
    ("UserNS", Kind::Single("--userns")),
    ("Volume", Kind::Multi("--volume")),
    ("WorkingDir", Kind::Single("--workdir")),
];

/// Keys handled on their own (see [`ContainerArgs::from_unit`]).
const SPECIAL: &[&str] = &[
    "ContainerName",
    "Exec",
    "GlobalArgs",
    "Group",
    "Image",
    "PodmanArgs",
    "Rootfs",
    "User",
];

/// Quadlet keys engine knows but cannot honour yet: a clearer error than "unknown key".
const UNSUPPORTED: &[&str] = &[
    "AddDevice",
    "AutoUpdate",
    "ContainersConfModule",
    "DNS",
    "DNSOption",
    "DNSSearch",
    "EnvironmentHost",
    "ExposeHostPort",
    "GIDMap",
    "HealthCmd",
    "HealthInterval",
    "HealthOnFailure",
    "HealthRetries",
    "HealthStartPeriod",
    "HealthTimeout",
    "IP",
    "IP6",
    "LogDriver",
    "LogOpt",
    "Mask",
    "Notify",
    "PidsLimit",
    "Pod",
    "RemapGid",
    "RemapUid",
    "RemapUidSize",
    "RemapUsers",
    "Secret",
    "SecurityLabelDisable",
    "SecurityLabelFileType",
    "SecurityLabelLevel",
    "SecurityLabelNested",
    "SecurityLabelType",
    "ShmSize",
    "StopSignal",
    "StopTimeout",
    "SubGIDMap",
    "SubUIDMap",
    "Sysctl",
    "Timezone",
    "UIDMap",
    "Unmask",
];

/// What a `[Container]` section asks for, as `engine` command-line words already quoted for a
/// systemd command line (specifiers such as `%N` kept for systemd to expand).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ContainerArgs {
    /// Words between `engine` and `run` (GlobalArgs=).
    pub global: Vec<String>,
    /// The container name: ContainerName=, default `systemd-%N`.
    pub name: String,
    /// `run` options, before the image.
    pub options: Vec<String>,
    /// The image, or `--rootfs` and the directory.
    pub image: Vec<String>,
    /// The command after the image (Exec=).
    pub command: Vec<String>,
}

impl ContainerArgs {
    /// Reads the `[Container]` section of `unit`. Errors name `file:line`.
    pub fn from_unit(unit: &UnitFile) -> Result<ContainerArgs> {
        let file = unit.path.display().to_string();
        let Some(section) = unit.section("Container") else {
            bail!("{file}: has no [Container] section; add one with at least Image=");
        };
        let mut args = ContainerArgs {
            name: "systemd-%N".into(),
            ..ContainerArgs::default()
        };
        // Single-valued keys keep their last value (keyed by what they set); list keys collect,
        // and an empty value resets either, as in systemd.
        let mut singles: Vec<(&str, String)> = Vec::new();
        let mut lists: Vec<(&str, Vec<String>)> = Vec::new();
        let (mut user, mut group): (Option<&Entry>, Option<&Entry>) = (None, None);
        let (mut image, mut rootfs): (Option<&Entry>, Option<&Entry>) = (None, None);
        for entry in &section.entries {
            let at = format!("{file}:{}", entry.line);
            let key = entry.key.as_str();
            let value = entry.value.as_str();
            let words =
                || split_words(value).map_err(|e| anyhow::anyhow!("{at}: {key}={value}: {e}"));
            let quoted = |w: &str| quote_word(w, Percent::Specifier);
            match key {
                "Image" => image = Some(entry),
                "Rootfs" => rootfs = Some(entry),
                "User" => user = Some(entry),
                "Group" => group = Some(entry),
                "ContainerName" => args.name = quoted(value),
                "Exec" => args.command = words()?.iter().map(|w| quoted(w)).collect(),
                "PodmanArgs" => list(&mut lists, key, value, words()?.iter().map(|w| quoted(w))),
                "GlobalArgs" => args.global.extend(words()?.iter().map(|w| quoted(w))),
                _ => match KEYS.iter().find(|(k, _)| *k == key).map(|(_, kind)| *kind) {
                    Some(Kind::Single(flag)) => set(
                        &mut singles,
                        flag,
                        (!value.is_empty()).then(|| format!("{flag}={value}")),
                    ),
                    Some(Kind::SecurityOpt(prefix)) => set(
                        &mut singles,
                        prefix,
                        (!value.is_empty()).then(|| format!("--security-opt={prefix}{value}")),
                    ),
                    Some(Kind::Multi(flag)) => {
                        let word = quoted(&format!("{flag}={value}"));
                        list(&mut lists, flag, value, std::iter::once(word))
                    }
                    Some(Kind::Words(flag)) => {
                        let words = words()?;
                        let option = |w: &String| quoted(&format!("{flag}={w}"));
                        list(&mut lists, flag, value, words.iter().map(option))
                    }
                    Some(Kind::Flag(flag)) => match parse_bool(value) {
                        Some(on) => set(&mut singles, flag, on.then(|| flag.to_string())),
                        None => bail!("{at}: {key}={value} is not a boolean: use true or false"),
                    },
                    None if UNSUPPORTED.contains(&key) => bail!(
                        "{at}: {key}= is a Quadlet key engine does not support yet; remove it \
                         (or pass the option through PodmanArgs= if `engine run` has it)"
                    ),
                    None => bail!(
                        "{at}: unknown key {key}= in [Container]; engine understands {}",
                        known_keys()
                    ),
                },
            }
        }
        args.image = image_words(&file, image, rootfs)?;
        args.options.extend(user_option(&file, user, group)?);
        for (_, option) in singles {
            args.options.push(quote_word(&option, Percent::Specifier));
        }
        for (_, words) in lists {
            args.options.extend(words);
        }
        Ok(args)
    }
}

/// The image to run, or `--rootfs DIR`: exactly one of Image= and Rootfs=.
fn image_words(file: &str, image: Option<&Entry>, rootfs: Option<&Entry>) -> Result<Vec<String>> {
    let quoted = |value: &str| quote_word(value, Percent::Specifier);
    match (image, rootfs) {
        (Some(image), None) if !image.value.is_empty() => Ok(vec![quoted(&image.value)]),
        (None, Some(dir)) if dir.value.starts_with('/') => {
            Ok(vec!["--rootfs".into(), quoted(&dir.value)])
        }
        (None, Some(dir)) => bail!(
            "{file}:{}: Rootfs={} must be an absolute path",
            dir.line,
            dir.value
        ),
        (Some(image), Some(_)) => bail!(
            "{file}:{}: Image= and Rootfs= exclude each other; keep one",
            image.line
        ),
        _ => bail!("{file}: [Container] needs Image= (the image to run) or Rootfs="),
    }
}

/// `--user=USER[:GROUP]` from User= and Group=.
fn user_option(file: &str, user: Option<&Entry>, group: Option<&Entry>) -> Result<Option<String>> {
    let option = match (user, group) {
        (Some(u), Some(g)) => format!("--user={}:{}", u.value, g.value),
        (Some(u), None) => format!("--user={}", u.value),
        (None, Some(g)) => bail!("{file}:{}: Group= needs User= as well", g.line),
        (None, None) => return Ok(None),
    };
    Ok(Some(quote_word(&option, Percent::Specifier)))
}

/// Records the option a single-valued key sets, replacing an earlier one; `None` unsets it.
fn set<'a>(singles: &mut Vec<(&'a str, String)>, id: &'a str, option: Option<String>) {
    singles.retain(|(existing, _)| *existing != id);
    if let Some(option) = option {
        singles.push((id, option));
    }
}

/// Appends to a list option; an empty value clears what came before, as in systemd.
fn list<'a>(
    lists: &mut Vec<(&'a str, Vec<String>)>,
    key: &'a str,
    value: &str,
    words: impl Iterator<Item = String>,
) {
    let index = match lists.iter().position(|(k, _)| *k == key) {
        Some(index) => index,
        None => {
            lists.push((key, Vec::new()));
            lists.len() - 1
        }
    };
    if value.is_empty() {
        lists[index].1.clear();
    } else {
        lists[index].1.extend(words);
    }
}

fn known_keys() -> String {
    let mut keys: Vec<&str> = KEYS
        .iter()
        .map(|(k, _)| *k)
        .chain(SPECIAL.iter().copied())
        .collect();
    keys.sort_unstable();
    keys.join(", ")
}

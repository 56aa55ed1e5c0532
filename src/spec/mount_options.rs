//! The option vocabulary shared by `-v`, `--mount` and `--tmpfs`: validation, podman's
//! defaults, and how later options override earlier ones.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::mount_request::{MountRequest, ParsedMount, VolumeRequest};

/// podman's defaults for a tmpfs the user asked for; `tmpcopyup` seeds it with the image's
/// content at that path (a crun extension the runtime implements).
pub const TMPFS_DEFAULT_OPTIONS: [&str; 5] = ["rw", "noexec", "nosuid", "nodev", "tmpcopyup"];

/// mount(2) propagation modes.
pub const PROPAGATIONS: [&str; 8] = [
    "shared",
    "rshared",
    "slave",
    "rslave",
    "private",
    "rprivate",
    "unbindable",
    "runbindable",
];

/// Flags that come in on/off pairs; a later one replaces an earlier one of the same pair.
const FLAG_PAIRS: [(&str, &str); 8] = [
    ("ro", "rw"),
    ("noexec", "exec"),
    ("nosuid", "suid"),
    ("nodev", "dev"),
    ("noatime", "atime"),
    ("norelatime", "relatime"),
    ("nostrictatime", "strictatime"),
    ("nodiratime", "diratime"),
];

/// The options of a user tmpfs: podman's defaults, each overridden by the user's counterpart
/// (`exec` replaces `noexec`, `size=` a previous `size=`).
pub fn tmpfs_options_with_defaults(user: &[String]) -> Result<Vec<String>> {
    let mut options: Vec<String> = TMPFS_DEFAULT_OPTIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    for opt in user {
        check_tmpfs_option(opt)?;
        options.retain(|existing| !same_setting(existing, opt));
        options.push(opt.clone());
    }
    // Absence of `tmpcopyup` already means "don't"; mount(2) must not see the negative form.
    options.retain(|o| o != "notmpcopyup");
    Ok(options)
}

/// Whether two options set the same thing (so the later must replace the earlier).
fn same_setting(a: &str, b: &str) -> bool {
    let key = |o: &str| o.split_once('=').map(|(k, _)| k.to_string());
    if let (Some(ka), Some(kb)) = (key(a), key(b)) {
        return ka == kb;
    }
    let copyup = ["tmpcopyup", "notmpcopyup"];
    if copyup.contains(&a) && copyup.contains(&b) {
        return true;
    }
    if PROPAGATIONS.contains(&a) && PROPAGATIONS.contains(&b) {
        return true;
    }
    FLAG_PAIRS
        .iter()
        .any(|(x, y)| (a == *x || a == *y) && (b == *x || b == *y))
}

fn check_tmpfs_option(opt: &str) -> Result<()> {
    if let Some((key, val)) = opt.split_once('=') {
        let ok = match key {
            "size" => is_size(val, true),
            "nr_inodes" | "nr_blocks" => is_size(val, false),
            "mode" => {
                !val.is_empty() && val.len() <= 4 && val.bytes().all(|b| (b'0'..=b'7').contains(&b))
            }
            "uid" | "gid" => val.parse::<u32>().is_ok(),
            "huge" => ["never", "always", "within_size", "advise"].contains(&val),
            "mpol" => !val.is_empty(),
            _ => bail!(
                "unknown tmpfs option {key:?}: use size, mode, uid, gid, nr_inodes, nr_blocks, \
                 huge or mpol"
            ),
        };
        if !ok {
            bail!(
                "bad tmpfs option {opt:?}: sizes are a number with an optional k, m, g (or %) \
                 suffix, modes are octal"
            );
        }
        return Ok(());
    }
    let known = FLAG_PAIRS.iter().any(|(a, b)| opt == *a || opt == *b)
        || PROPAGATIONS.contains(&opt)
        || ["tmpcopyup", "notmpcopyup"].contains(&opt);
    if !known {
        bail!(
            "unknown tmpfs option {opt:?}: use ro, rw, [no]exec, [no]suid, [no]dev, size=, \
             mode= or notmpcopyup"
        );
    }
    Ok(())
}

fn is_size(val: &str, percent: bool) -> bool {
    let digits = val.trim_end_matches(|c: char| "kKmMgG".contains(c) || (percent && c == '%'));
    let suffix_len = val.len() - digits.len();
    !digits.is_empty() && suffix_len <= 1 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The options shared by `-v` and `--mount` for binds and volumes.
#[derive(Default)]
pub(super) struct BindFlags {
    pub(super) read_only: Option<bool>,
    relabel: Option<char>,
    pub(super) recursive: Option<bool>,
    propagation: Option<String>,
    pub(super) no_copy: bool,
    extra: Vec<String>,
}

impl BindFlags {
    pub(super) fn set_read_only(&mut self, ro: bool) {
        self.read_only = Some(ro);
    }

    pub(super) fn apply(&mut self, opt: &str) -> Result<()> {
        match opt {
            "ro" | "rw" => {
                let ro = opt == "ro";
                if self.read_only.is_some_and(|prev| prev != ro) {
                    bail!("both ro and rw given: keep one");
                }
                self.read_only = Some(ro);
            }
            "z" | "Z" => {
                let c = if opt == "z" { 'z' } else { 'Z' };
                if self.relabel.is_some_and(|prev| prev != c) {
                    bail!("both z and Z given: keep one");
                }
                self.relabel = Some(c);
            }
            "bind" => self.recursive = Some(false),
            "rbind" => self.recursive = Some(true),
            "nocopy" => self.no_copy = true,
            "copy" => self.no_copy = false,
            p if PROPAGATIONS.contains(&p) => {
                if self.propagation.as_deref().is_some_and(|prev| prev != p) {
                    bail!("two propagation modes given: keep one");
                }
                self.propagation = Some(p.to_string());
            }
            "nosuid" | "suid" | "nodev" | "dev" | "noexec" | "exec" => {
                self.extra.retain(|e| !same_setting(e, opt));
                self.extra.push(opt.to_string());
            }
            "U" => bail!(
                "option U (chown the source to the container user) is not supported yet: chown \
                 the source yourself"
            ),
            "O" => bail!(
                "option O (overlay on top of the source) is not supported yet: mount it \
                 read-only with ro"
            ),
            "idmap" => bail!("option idmap is not supported yet: remove it"),
            other => bail!(
                "unknown option {other:?}: use ro, rw, z, Z, nosuid, nodev, noexec, bind, rbind \
                 or a propagation ([r]shared, [r]slave, [r]private)"
            ),
        }
        Ok(())
    }

    fn options(&self) -> Vec<String> {
        self.propagation
            .iter()
            .cloned()
            .chain(self.extra.iter().cloned())
            .collect()
    }

    pub(super) fn into_bind(self, source: PathBuf, destination: String) -> Result<ParsedMount> {
        if self.no_copy {
            bail!("nocopy applies to volumes only: remove it");
        }
        Ok(ParsedMount::Ready(MountRequest::Bind {
            options: self.options(),
            source,
            destination,
            read_only: self.read_only.unwrap_or(false),
            recursive: self.recursive.unwrap_or(true),
            relabel: self.relabel,
        }))
    }

    pub(super) fn into_volume(
        self,
        name: Option<String>,
        destination: String,
    ) -> Result<ParsedMount> {
        if self.recursive.is_some() {
            bail!("bind/rbind apply to host paths only: remove it");
        }
        Ok(ParsedMount::Volume(VolumeRequest {
            options: self.options(),
            name,
            destination,
            read_only: self.read_only.unwrap_or(false),
            relabel: self.relabel,
            no_copy: self.no_copy,
        }))
    }
}

/// `key`, `key=true|false|1|0`.
pub(super) fn parse_bool(key: &str, val: Option<&str>) -> Result<bool> {
    match val {
        None | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(other) => bail!("{key}={other:?}: use {key}, {key}=true or {key}=false"),
    }
}

/// Volume names follow docker's rule so they are also safe directory names.
pub(super) fn check_volume_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        bail!(
            "invalid volume name {name:?}: use letters, digits, '_', '.', '-' (starting with a \
             letter or digit), or an absolute host path for a bind mount"
        );
    }
    Ok(())
}

/// An absolute host path; relative ones (`./data`) are taken from the current directory, like
/// podman.
pub(super) fn host_path(src: &str) -> Result<PathBuf> {
    let path = Path::new(src);
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let cwd = std::env::current_dir().context(
        "cannot resolve a relative source: the current directory is unreadable; use an \
                  absolute path",
    )?;
    Ok(cwd.join(path))
}

/// A container path: absolute, without `..`, not `/` itself; returned with `.`, repeated and
/// trailing slashes removed so equal destinations compare equal.
pub fn clean_destination(dest: &str) -> Result<String> {
    if !dest.starts_with('/') {
        bail!("destination {dest:?} is not absolute: use a path starting with /");
    }
    let mut cleaned = String::new();
    for component in Path::new(dest).components() {
        match component {
            Component::Normal(part) => {
                cleaned.push('/');
                cleaned.push_str(&part.to_string_lossy());
            }
            Component::ParentDir => {
                bail!("destination {dest:?} contains '..': give the path without it")
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    if cleaned.is_empty() {
        bail!("destination {dest:?} is the container's root: mount below /");
    }
    Ok(cleaned)
}

//! `engine cp`'s path rules, docker's: which argument names a container, and where a copy
//! lands given what the source is and what the destination holds.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// One side of `engine cp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `CONTAINER:PATH`; a relative PATH is taken from the container's `/`.
    Container { container: String, path: String },
    /// A path on the host.
    Host(String),
    /// `-`: a tar stream on stdin (source) or stdout (destination).
    Stream,
}

impl Location {
    /// `-`, `CONTAINER:PATH`, or a host path: one that starts with `/` or `.`, or has no `:`
    /// before its first `/` (write `./a:b` for a host file called `a:b`).
    pub fn parse(arg: &str) -> Location {
        if arg == "-" {
            return Location::Stream;
        }
        if !arg.starts_with(['/', '.'])
            && let Some((container, path)) = arg.split_once(':')
            && !container.is_empty()
            && !container.contains('/')
        {
            let path = if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            };
            return Location::Container {
                container: container.to_string(),
                path,
            };
        }
        Location::Host(arg.to_string())
    }
}

/// The source of a copy, as the first entry of its archive describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub is_dir: bool,
    /// Its name; `None` for `DIR/.`, which copies the directory's contents.
    pub name: Option<String>,
}

/// What the destination path holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DestKind {
    Directory,
    /// A file, or anything else that is not a directory.
    Other,
    Missing,
}

/// Where to extract: into the existing directory `base`, the source becoming `root` below it
/// (empty: the source's contents go into `base` itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub base: PathBuf,
    pub root: PathBuf,
}

/// docker's rules: into an existing directory the source goes by its own name (its contents
/// with `SRC/.`); a missing destination becomes the source (a directory's contents); a file
/// is overwritten by a file, never by a directory. A destination ending in `/` or `/.` must
/// be a directory, or be missing while the source is one.
pub fn place(source: &Source, dest: &str, kind: DestKind) -> Result<Placement> {
    let (path, must_be_dir) = split_dest(dest);
    match kind {
        DestKind::Directory => Ok(Placement {
            base: path.to_path_buf(),
            root: source
                .name
                .as_deref()
                .map(PathBuf::from)
                .unwrap_or_default(),
        }),
        DestKind::Other if source.is_dir => {
            bail!("cannot copy a directory onto {dest}: it exists and is not a directory")
        }
        DestKind::Other if must_be_dir => bail!("{dest} is not a directory"),
        DestKind::Missing if must_be_dir && !source.is_dir => {
            bail!("destination directory {dest} does not exist: create it first")
        }
        DestKind::Other | DestKind::Missing => {
            let Some(name) = path.file_name() else {
                bail!("{dest}: name a file or directory to copy to");
            };
            let base = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            };
            Ok(Placement {
                base,
                root: PathBuf::from(name),
            })
        }
    }
}

/// `dest` without a trailing `/` or `/.`, and whether it had one.
fn split_dest(dest: &str) -> (&Path, bool) {
    let trimmed = dest.trim_end_matches('/');
    if let Some(dir) = trimmed
        .strip_suffix("/.")
        .or((trimmed == ".").then_some("."))
    {
        let dir = dir.trim_end_matches('/');
        return (Path::new(if dir.is_empty() { "/" } else { dir }), true);
    }
    match trimmed {
        "" => (Path::new("/"), true),
        _ => (Path::new(trimmed), trimmed.len() != dest.len()),
    }
}

/// A source path's parts: the path to read (without a trailing `/.`), whether only its
/// contents are copied (`DIR/.`, or `/`), and whether it must be a directory (a trailing `/`).
pub fn split_source(src: &str) -> (PathBuf, bool, bool) {
    let trimmed = src.trim_end_matches('/');
    if let Some(dir) = trimmed
        .strip_suffix("/.")
        .or((trimmed == ".").then_some("."))
    {
        let dir = dir.trim_end_matches('/');
        return (
            PathBuf::from(if dir.is_empty() { "/" } else { dir }),
            true,
            true,
        );
    }
    match trimmed {
        "" => (PathBuf::from("/"), true, true),
        _ => (PathBuf::from(trimmed), false, trimmed.len() != src.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, path: &str) -> Location {
        Location::Container {
            container: name.into(),
            path: path.into(),
        }
    }

    #[test]
    fn arguments_name_a_container_only_with_a_colon_before_any_slash() {
        assert_eq!(
            Location::parse("web:/etc/hosts"),
            container("web", "/etc/hosts")
        );
        assert_eq!(Location::parse("web:tmp/x"), container("web", "/tmp/x"));
        assert_eq!(Location::parse("web:"), container("web", "/"));
        assert_eq!(Location::parse("-"), Location::Stream);
        for host in ["/a:b", "./a:b", "dir/a:b", "file", ":x", "../x:y"] {
            assert_eq!(Location::parse(host), Location::Host(host.into()), "{host}");
        }
    }

    fn dir(name: Option<&str>) -> Source {
        Source {
            is_dir: true,
            name: name.map(str::to_string),
        }
    }

    fn file(name: &str) -> Source {
        Source {
            is_dir: false,
            name: Some(name.into()),
        }
    }

    fn at(base: &str, root: &str) -> Placement {
        Placement {
            base: base.into(),
            root: root.into(),
        }
    }

    #[test]
    fn into_an_existing_directory_by_name_or_by_contents() {
        let into = |source, dest| place(&source, dest, DestKind::Directory).unwrap();
        assert_eq!(into(file("f"), "/tmp"), at("/tmp", "f"));
        assert_eq!(into(file("f"), "/tmp/"), at("/tmp", "f"));
        assert_eq!(into(dir(Some("d")), "/tmp/."), at("/tmp", "d"));
        assert_eq!(into(dir(None), "/tmp"), at("/tmp", ""));
        assert_eq!(into(dir(Some("d")), "/"), at("/", "d"));
        assert_eq!(into(dir(Some("d")), "."), at(".", "d"));
    }

    #[test]
    fn a_missing_destination_becomes_the_source() {
        let missing = |source, dest| place(&source, dest, DestKind::Missing);
        assert_eq!(missing(file("f"), "/tmp/new").unwrap(), at("/tmp", "new"));
        assert_eq!(missing(file("f"), "new").unwrap(), at(".", "new"));
        assert_eq!(
            missing(dir(Some("d")), "/tmp/new").unwrap(),
            at("/tmp", "new")
        );
        assert_eq!(missing(dir(None), "/tmp/new/").unwrap(), at("/tmp", "new"));
        let err = missing(file("f"), "/tmp/new/").unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn a_file_is_overwritten_by_a_file_only() {
        let onto = |source, dest| place(&source, dest, DestKind::Other);
        assert_eq!(onto(file("f"), "/etc/motd").unwrap(), at("/etc", "motd"));
        assert!(onto(dir(Some("d")), "/etc/motd").is_err());
        assert!(onto(file("f"), "/etc/motd/").is_err());
    }

    #[test]
    fn source_suffixes_say_contents_and_directory() {
        assert_eq!(split_source("/a/b"), ("/a/b".into(), false, false));
        assert_eq!(split_source("/a/b/"), ("/a/b".into(), false, true));
        assert_eq!(split_source("/a/b/."), ("/a/b".into(), true, true));
        assert_eq!(split_source("d/./"), ("d".into(), true, true));
        assert_eq!(split_source("/"), ("/".into(), true, true));
        assert_eq!(split_source("/."), ("/".into(), true, true));
        assert_eq!(split_source("."), (".".into(), true, true));
    }
}

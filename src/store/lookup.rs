//! Finding a stored image from what a user typed, and checking stored names.
//!
//! Accepted queries, tried in this order:
//! - `sha256:<id or prefix>` and a full 64-hex id;
//! - `repo[:tag]@sha256:..` against digest references (the tag is ignored, as podman does);
//! - `repo[:tag]` against names, the tag defaulting to `latest`. `docker.io/x` means
//!   `docker.io/library/x`. A short name (no registry) like `busybox` matches
//!   `<any host>/busybox` and `<any host>/library/busybox`, as podman searches local storage
//!   across registries; several images matching is an error listing them;
//! - a unique id prefix of at least 3 hex digits.

use super::ImageRecord;
use crate::util::digest::Digest;
use anyhow::{Result, anyhow, bail};

const MIN_ID_PREFIX: usize = 3;

/// The image `query` names, `None` if there is none, Err if it names several or is malformed.
pub fn find<'a>(images: &'a [ImageRecord], query: &str) -> Result<Option<&'a ImageRecord>> {
    if query.is_empty() || query.chars().any(char::is_whitespace) {
        bail!("image reference {query:?} is empty or contains whitespace");
    }
    if let Some(hex) = query.strip_prefix("sha256:") {
        if !is_hex(hex) || hex.len() < MIN_ID_PREFIX {
            bail!(
                "{query:?} is not an image id: expected at least {MIN_ID_PREFIX} lowercase hex digits after sha256:"
            );
        }
        return by_id_prefix(images, hex);
    }
    if query.len() == 64 && is_hex(query) {
        return Ok(images.iter().find(|i| i.id == query));
    }
    if let Some((repo, digest)) = query.split_once('@') {
        Digest::parse(digest).map_err(|e| anyhow!("image reference {query:?}: {e}"))?;
        let (repo, _tag) = split_tag(repo);
        return by_reference(images, query, repo, &format!("@{digest}"), |i| &i.digests);
    }
    let (repo, tag) = split_tag(query);
    let suffix = format!(":{}", tag.unwrap_or("latest"));
    if let Some(found) = by_reference(images, query, repo, &suffix, |i| &i.names)? {
        return Ok(Some(found));
    }
    if tag.is_none() && query.len() >= MIN_ID_PREFIX && is_hex(query) {
        return by_id_prefix(images, query);
    }
    Ok(None)
}

/// Matches `repo` + `suffix` (`:tag` or `@digest`) against the references `refs_of` each image.
fn by_reference<'a>(
    images: &'a [ImageRecord],
    query: &str,
    repo: &str,
    suffix: &str,
    refs_of: impl Fn(&ImageRecord) -> &Vec<String>,
) -> Result<Option<&'a ImageRecord>> {
    let (repo, short) = normalize_repo(repo);
    let full = format!("{repo}{suffix}");
    if let Some(exact) = images.iter().find(|i| refs_of(i).contains(&full)) {
        return Ok(Some(exact));
    }
    if !short {
        return Ok(None);
    }
    let mut matched: Vec<(&ImageRecord, &String)> = Vec::new();
    for image in images {
        for reference in refs_of(image) {
            let hit = reference
                .strip_suffix(suffix)
                .is_some_and(|r| matches_short(r, &repo));
            if hit {
                matched.push((image, reference));
            }
        }
    }
    let mut ids: Vec<&str> = matched.iter().map(|(i, _)| i.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    match ids.len() {
        0 => Ok(None),
        1 => Ok(matched.first().map(|(i, _)| *i)),
        _ => {
            let names: Vec<&str> = matched.iter().map(|(_, r)| r.as_str()).collect();
            bail!(
                "short name {query:?} matches several images: {}: use the full name",
                names.join(", ")
            )
        }
    }
}

fn by_id_prefix<'a>(images: &'a [ImageRecord], prefix: &str) -> Result<Option<&'a ImageRecord>> {
    let matched: Vec<&ImageRecord> = images.iter().filter(|i| i.id.starts_with(prefix)).collect();
    match matched.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        several => {
            let ids: Vec<&str> = several
                .iter()
                .map(|i| &i.id[..12.min(i.id.len())])
                .collect();
            bail!(
                "image id prefix {prefix:?} matches several images ({}): give more digits",
                ids.join(", ")
            )
        }
    }
}

/// A stored repo `host/path` matches the short `repo` when `path` is `repo` or `library/repo`.
fn matches_short(stored_repo: &str, repo: &str) -> bool {
    stored_repo
        .split_once('/')
        .is_some_and(|(_, path)| path == repo || path.strip_prefix("library/") == Some(repo))
}

/// Returns the repo with docker.io spelled canonically, and whether it is a short name.
fn normalize_repo(repo: &str) -> (String, bool) {
    match repo.split_once('/') {
        Some((first, path)) if is_domain(first) => {
            let domain = if first == "index.docker.io" {
                "docker.io"
            } else {
                first
            };
            if domain == "docker.io" && !path.contains('/') {
                (format!("docker.io/library/{path}"), false)
            } else {
                (format!("{domain}/{path}"), false)
            }
        }
        _ => (repo.to_string(), true),
    }
}

/// Docker's rule for whether the first path component is a registry host.
fn is_domain(component: &str) -> bool {
    component.contains(['.', ':'])
        || component == "localhost"
        || component.chars().any(|c| c.is_ascii_uppercase())
}

/// Splits `repo:tag` (a `:` before the last `/` is a port, not a tag).
pub fn split_tag(reference: &str) -> (&str, Option<&str>) {
    let last_component = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_component..].find(':') {
        Some(i) => {
            let colon = last_component + i;
            (&reference[..colon], Some(&reference[colon + 1..]))
        }
        None => (reference, None),
    }
}

/// Refuses anything but a full `host/repo:tag` name, the only form stored.
pub fn check_name(name: &str) -> Result<()> {
    let (repo, tag) = split_tag(name);
    if !tag.is_some_and(is_tag) || !is_full_repo(repo) {
        bail!("image name {name:?} is not a full name like docker.io/library/busybox:latest");
    }
    Ok(())
}

/// Refuses anything but a full `host/repo@sha256:<hex>` reference.
pub fn check_digest_ref(reference: &str) -> Result<()> {
    let ok = reference.split_once('@').is_some_and(|(repo, digest)| {
        split_tag(repo).1.is_none() && is_full_repo(repo) && Digest::parse(digest).is_ok()
    });
    if !ok {
        bail!(
            "image digest reference {reference:?} is not like docker.io/library/busybox@sha256:<64 hex>"
        );
    }
    Ok(())
}

/// `host/path` with a registry host and lowercase path components, no `@`.
fn is_full_repo(repo: &str) -> bool {
    let path_ok = |path: &str| {
        path.split('/').all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        })
    };
    repo.split_once('/')
        .is_some_and(|(host, path)| is_domain(host) && !host.contains('@') && path_ok(path))
}

/// Docker's tag grammar: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    tag.len() <= 128
        && tag.bytes().next().is_some_and(word)
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

fn is_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_tag_ignores_ports() {
        assert_eq!(
            split_tag("localhost:5000/app"),
            ("localhost:5000/app", None)
        );
        assert_eq!(
            split_tag("localhost:5000/app:v1"),
            ("localhost:5000/app", Some("v1"))
        );
        assert_eq!(split_tag("busybox:1"), ("busybox", Some("1")));
    }

    #[test]
    fn stored_names_must_be_full() {
        assert!(check_name("docker.io/library/busybox:latest").is_ok());
        assert!(check_name("localhost:5000/a/b:v1.0-rc_1").is_ok());
        assert!(check_name("localhost/app:latest").is_ok());
        for bad in [
            "busybox:latest",
            "docker.io/library/busybox",
            "docker.io/Library/busybox:latest",
            "docker.io//busybox:latest",
            "docker.io/busybox:-x",
            "docker.io/busybox@sha256:00",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let digest = Digest::of(b"m");
        assert!(check_digest_ref(&format!("quay.io/a/b@{digest}")).is_ok());
        assert!(check_digest_ref(&format!("quay.io/a/b:tag@{digest}")).is_err());
        assert!(check_digest_ref("quay.io/a/b@sha256:abc").is_err());
    }

    #[test]
    fn docker_io_spellings_normalize() {
        assert_eq!(
            normalize_repo("docker.io/busybox").0,
            "docker.io/library/busybox"
        );
        assert_eq!(
            normalize_repo("index.docker.io/busybox").0,
            "docker.io/library/busybox"
        );
        assert_eq!(normalize_repo("docker.io/me/app").0, "docker.io/me/app");
        assert_eq!(normalize_repo("me/app"), ("me/app".to_string(), true));
        assert!(!normalize_repo("localhost/app").1);
    }
}

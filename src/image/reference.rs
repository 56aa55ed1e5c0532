//! Image references, `[host[:port]/]path[:tag][@digest]`, parsed by hand against the
//! docker/distribution grammar, with docker's normalisation of familiar names
//! (`busybox` is `docker.io/library/busybox:latest`).
//!
//! Grammar (docker/distribution `reference`):
//! ```text
//! host      := domain-name | "[" ipv6 "]"      domain-name := component ("." component)*
//! component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]      port := [0-9]+
//! path      := path-component ("/" path-component)*
//! path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator := "." | "_" | "__" | "-"+
//! tag       := [\w][\w.-]{0,127}                   digest := algorithm ":" hex{32,}
//! ```
//! The first path component is a registry host only if it contains `.` or `:`, is
//! `localhost`, or has an uppercase letter (a path never may); otherwise the name is short.

use crate::util::digest::Digest;
use anyhow::{Result, anyhow};
use std::fmt;

/// The registry familiar names (`busybox`, `user/app`) live on.
pub const DOCKER_HUB: &str = "docker.io";
/// Legacy spelling of the Docker Hub host, normalised to [`DOCKER_HUB`].
const DOCKER_HUB_LEGACY: &str = "index.docker.io";
/// Namespace of Docker Hub's official images: `docker.io/busybox` is `docker.io/library/busybox`.
const OFFICIAL_NAMESPACE: &str = "library/";
/// Tag assumed when a reference names neither a tag nor a digest.
pub const DEFAULT_TAG: &str = "latest";
/// docker/distribution's limit on `host/path`; registries reject longer names.
const MAX_NAME_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// A fully qualified reference. `tag` and `digest` may both be set (`name:tag@digest`,
/// docker keeps both; the digest is what gets pulled).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// Registry `host[:port]`, normalised (`index.docker.io` becomes `docker.io`).
    pub domain: String,
    /// Repository path inside the registry, e.g. `library/busybox`.
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

/// What the user typed: either qualified, or a short name that registries.conf resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedReference {
    Qualified(Reference),
    Short {
        path: String,
        tag: Option<String>,
        digest: Option<Digest>,
    },
}

/// Parses a user-supplied reference. Without tag and digest the tag is `latest`.
pub fn parse(input: &str) -> Result<ParsedReference> {
    let parts = split(input).map_err(|why| invalid(input, &why))?;
    let (tag, digest) = tag_or_latest(parts.tag, parts.digest);
    match parts.domain {
        Some(domain) => {
            let reference =
                qualified(domain, parts.path, tag, digest).map_err(|why| invalid(input, &why))?;
            Ok(ParsedReference::Qualified(reference))
        }
        None => {
            // The registry is not known yet; the full length is checked once it is.
            check_length(parts.path).map_err(|why| invalid(input, &why))?;
            Ok(ParsedReference::Short {
                path: parts.path.to_string(),
                tag,
                digest,
            })
        }
    }
}

impl Reference {
    /// Parses a reference that must name its registry.
    pub fn parse_qualified(input: &str) -> Result<Reference> {
        match parse(input)? {
            ParsedReference::Qualified(reference) => Ok(reference),
            ParsedReference::Short { path, .. } => Err(invalid(
                input,
                &format!(
                    "the registry is missing; use a fully qualified name such as {:?}",
                    docker_hub_name(&path)
                ),
            )),
        }
    }

    /// Parses a fully qualified repository name without tag or digest, as the values of
    /// registries.conf `[aliases]` must be.
    pub fn parse_repository_name(input: &str) -> Result<Reference> {
        let parts = split(input).map_err(|why| invalid(input, &why))?;
        if parts.tag.is_some() || parts.digest.is_some() {
            return Err(invalid(
                input,
                "a repository name has no tag or digest; remove them",
            ));
        }
        let Some(domain) = parts.domain else {
            let hint = docker_hub_name(parts.path);
            return Err(invalid(
                input,
                &format!("the registry is missing; write it out, e.g. {hint:?}"),
            ));
        };
        qualified(domain, parts.path, None, None).map_err(|why| invalid(input, &why))
    }

    /// Qualifies short name `path` with an unqualified-search registry entry
    /// (`host[:port]` optionally followed by `/namespace`), applying docker.io's `library/`.
    pub fn qualify(
        registry: &str,
        path: &str,
        tag: Option<&str>,
        digest: Option<&Digest>,
    ) -> Result<Reference> {
        let combined = format!("{registry}/{path}");
        let (host, namespace) = registry.split_once('/').unwrap_or((registry, ""));
        let full_path = if namespace.is_empty() {
            path.to_string()
        } else {
            format!("{namespace}/{path}")
        };
        let checks = || -> Result<Reference, String> {
            check_domain(host)?;
            check_path(&full_path)?;
            if let Some(tag) = tag {
                check_tag(tag)?;
            }
            let (tag, digest) = tag_or_latest(tag, digest.cloned());
            qualified(host, &full_path, tag, digest)
        };
        checks().map_err(|why| invalid(&combined, &why))
    }

    /// `domain/path`, the repository without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// Docker's short form for messages: `busybox:latest`, `user/app:1`, `quay.io/x/y:2`.
    pub fn familiar(&self) -> String {
        let mut out = if self.domain == DOCKER_HUB {
            match self.path.strip_prefix(OFFICIAL_NAMESPACE) {
                Some(official) if !official.contains('/') => official.to_string(),
                _ => self.path.clone(),
            }
        } else {
            self.name()
        };
        push_tag_and_digest(&mut out, self.tag.as_deref(), self.digest.as_ref());
        out
    }

    /// The same repository with `tag` (a digest, if any, is kept).
    pub fn with_tag(&self, tag: &str) -> Result<Reference> {
        check_tag(tag).map_err(|why| anyhow!("cannot tag {}: {why}", self.name()))?;
        Ok(Reference {
            tag: Some(tag.to_string()),
            ..self.clone()
        })
    }

    /// The same repository pinned to `digest` (a tag, if any, is kept).
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// `host/repo:tag`, the form image names are stored under; None without a tag.
    pub fn repo_tag_string(&self) -> Option<String> {
        self.tag
            .as_ref()
            .map(|tag| format!("{}:{tag}", self.name()))
    }

    /// `host/repo@sha256:...`; None without a digest.
    pub fn digest_string(&self) -> Option<String> {
        self.digest
            .as_ref()
            .map(|digest| format!("{}@{digest}", self.name()))
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.name();
        push_tag_and_digest(&mut out, self.tag.as_deref(), self.digest.as_ref());
        f.write_str(&out)
    }
}

impl fmt::Display for ParsedReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParsedReference::Qualified(reference) => reference.fmt(f),
            ParsedReference::Short { path, tag, digest } => {
                let mut out = path.clone();
                push_tag_and_digest(&mut out, tag.as_deref(), digest.as_ref());
                f.write_str(&out)
            }
        }
    }
}

fn push_tag_and_digest(out: &mut String, tag: Option<&str>, digest: Option<&Digest>) {
    if let Some(tag) = tag {
        out.push(':');
        out.push_str(tag);
    }
    if let Some(digest) = digest {
        out.push('@');
        out.push_str(digest.as_str());
    }
}

fn invalid(input: &str, why: &str) -> anyhow::Error {
    anyhow!("invalid reference {input:?}: {why}")
}

/// How `path` is spelled on Docker Hub, for "did you mean" hints.
fn docker_hub_name(path: &str) -> String {
    if path.contains('/') {
        format!("{DOCKER_HUB}/{path}")
    } else {
        format!("{DOCKER_HUB}/{OFFICIAL_NAMESPACE}{path}")
    }
}

/// A reference cut into its grammatical pieces, each validated, nothing normalised yet.
struct Parts<'a> {
    domain: Option<&'a str>,
    path: &'a str,
    tag: Option<&'a str>,
    digest: Option<Digest>,
}

fn split(input: &str) -> Result<Parts<'_>, String> {
    if input.is_empty() {
        return Err(
            "the name is empty; give an image name such as docker.io/library/busybox:latest".into(),
        );
    }
    if let Some((scheme, _)) = input.split_once("://") {
        return Err(format!(
            "an image reference has no URL scheme; remove \"{scheme}://\""
        ));
    }
    if input.len() == 64
        && input
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(
            "a 64-digit hex string is an image ID, not a repository name; use the image's name"
                .into(),
        );
    }
    let (name_and_tag, digest) = match input.split_once('@') {
        Some((name, digest)) => (name, Some(parse_digest(digest)?)),
        None => (input, None),
    };
    // A ':' after the last '/' starts the tag; earlier ones belong to host:port.
    let (name, tag) = match name_and_tag.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (name_and_tag, None),
    };
    if name.is_empty() {
        return Err("the repository name is missing; write it before the tag or digest".into());
    }
    if let Some(tag) = tag {
        check_tag(tag)?;
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest)) if looks_like_domain(first) => (Some(first), rest),
        _ => (None, name),
    };
    if let Some(domain) = domain {
        check_domain(domain)?;
    }
    if path.bytes().any(|b| b.is_ascii_uppercase()) {
        let host = &name[..name.len() - path.len()];
        let rest = &input[name.len()..];
        let fixed = format!("{host}{}{rest}", path.to_ascii_lowercase());
        return Err(format!("repository name must be lowercase; use {fixed:?}"));
    }
    check_path(path)?;
    Ok(Parts {
        domain,
        path,
        tag,
        digest,
    })
}

/// Docker's rule for telling `host/repo` from `user/repo`.
fn looks_like_domain(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

fn tag_or_latest(tag: Option<&str>, digest: Option<Digest>) -> (Option<String>, Option<Digest>) {
    match (tag, digest) {
        (None, None) => (Some(DEFAULT_TAG.to_string()), None),
        (tag, digest) => (tag.map(str::to_string), digest),
    }
}

/// Builds a reference from validated pieces: Docker Hub spellings normalised, length checked.
fn qualified(
    domain: &str,
    path: &str,
    tag: Option<String>,
    digest: Option<Digest>,
) -> Result<Reference, String> {
    let domain = if domain == DOCKER_HUB_LEGACY {
        DOCKER_HUB
    } else {
        domain
    };
    let path = if domain == DOCKER_HUB && !path.contains('/') {
        format!("{OFFICIAL_NAMESPACE}{path}")
    } else {
        path.to_string()
    };
    check_length(&format!("{domain}/{path}"))?;
    Ok(Reference {
        domain: domain.to_string(),
        path,
        tag,
        digest,
    })
}

fn check_length(name: &str) -> Result<(), String> {
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "the repository name is {} characters long, more than the {MAX_NAME_LEN} allowed; shorten it",
            name.len()
        ));
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), String> {
    let bad = |why: &str| {
        format!(
            "registry host {domain:?} is invalid ({why}); use host[:port] such as quay.io or localhost:5000"
        )
    };
    let port = match domain.strip_prefix('[') {
        Some(bracketed) => {
            let (address, after) = bracketed
                .split_once(']')
                .ok_or_else(|| bad("unclosed \"[\""))?;
            if address.is_empty() || !address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                return Err(bad("an IPv6 address has only hex digits and \":\""));
            }
            match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| bad("expected \":port\" after \"]\""))?,
                ),
            }
        }
        None => {
            let (host, port) = match domain.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (domain, None),
            };
            let label_ok = |label: &str| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            if !host.split('.').all(label_ok) {
                return Err(bad(
                    "host name labels are letters, digits and inner \"-\", joined by \".\"",
                ));
            }
            port
        }
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad(&format!("port {port:?} is not a number")));
    }
    Ok(())
}

fn check_path(path: &str) -> Result<(), String> {
    for component in path.split('/') {
        check_path_component(component).map_err(|why| {
            format!(
                "path component {component:?} is invalid: {why}; use lowercase letters and digits \
                 separated by \".\", \"_\", \"__\" or dashes"
            )
        })?;
    }
    Ok(())
}

/// `[a-z0-9]+ (separator [a-z0-9]+)*` where separator is `.`, `_`, `__` or one or more `-`.
fn check_path_component(component: &str) -> Result<(), String> {
    let is_separator = |c: char| matches!(c, '.' | '_' | '-');
    if let Some(bad) = component
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || is_separator(c)))
    {
        return Err(format!("it contains {bad:?}"));
    }
    match (component.chars().next(), component.chars().last()) {
        (None, _) | (_, None) => Err("it is empty (a \"/\" at either end or two in a row)".into()),
        (Some(first), _) if is_separator(first) => Err(format!("it starts with {first:?}")),
        (_, Some(last)) if is_separator(last) => Err(format!("it ends with {last:?}")),
        _ => {
            let valid =
                |sep: &str| matches!(sep, "." | "_" | "__") || sep.bytes().all(|b| b == b'-');
            match component
                .split(|c: char| c.is_ascii_alphanumeric())
                .find(|sep| !sep.is_empty() && !valid(sep))
            {
                Some(sep) => Err(format!("{sep:?} is not a separator")),
                None => Ok(()),
            }
        }
    }
}

/// `[\w][\w.-]{0,127}`.
fn check_tag(tag: &str) -> Result<(), String> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let valid = tag.len() <= MAX_TAG_LEN
        && tag.bytes().next().is_some_and(word)
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-');
    if valid {
        return Ok(());
    }
    Err(format!(
        "tag {tag:?} is invalid: a tag is 1 to {MAX_TAG_LEN} letters, digits, \"_\", \".\" or \"-\" \
         and does not start with \".\" or \"-\""
    ))
}

/// The reference grammar's digest, then what our store supports: sha256 only.
fn parse_digest(digest: &str) -> Result<Digest, String> {
    let malformed =
        || format!("digest {digest:?} is malformed: expected sha256: and 64 hex digits");
    let (algorithm, hex) = digest.split_once(':').ok_or_else(malformed)?;
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|part| {
        part.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && part.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if !algorithm_ok || hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed());
    }
    if algorithm != "sha256" {
        return Err(format!(
            "digest algorithm {algorithm:?} is not supported; use the image's sha256 digest"
        ));
    }
    Digest::parse(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    fn sha(hex: &str) -> Digest {
        Digest::parse(&format!("sha256:{hex}")).expect("test digest")
    }

    fn qualified_ok(input: &str) -> Reference {
        match parse(input) {
            Ok(ParsedReference::Qualified(reference)) => reference,
            other => panic!("{input:?}: expected a qualified reference, got {other:?}"),
        }
    }

    fn short_ok(input: &str) -> (String, Option<String>, Option<Digest>) {
        match parse(input) {
            Ok(ParsedReference::Short { path, tag, digest }) => (path, tag, digest),
            other => panic!("{input:?}: expected a short name, got {other:?}"),
        }
    }

    fn error_of(input: &str) -> String {
        match parse(input) {
            Ok(parsed) => panic!("{input:?}: expected an error, got {parsed:?}"),
            Err(err) => format!("{err:#}"),
        }
    }

    /// (input, domain, path, tag, digest hex)
    type QualifiedCase<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

    /// docker/distribution's TestReferenceParse, TestValidateReferenceName and
    /// TestNormalizedSplitHostname vectors that name a registry.
    #[test]
    fn qualified_vectors() {
        let l = Some("latest");
        let with_digest = format!("test:5000/repo@sha256:{HEX}");
        let with_both = format!("test:5000/repo:tag@sha256:{HEX}");
        let v6_digest = format!("[2001:db8::1]:5000/repo@sha256:{HEX}");
        let v6_both = format!("[2001:db8::1]:5000/repo:tag@sha256:{HEX}");
        let hex_repo = format!("docker.io/{HEX}");
        let hex_path = format!("library/{HEX}");
        #[rustfmt::skip]
        let cases: &[QualifiedCase] = &[
            ("test.com/repo:tag", "test.com", "repo", Some("tag"), None),
            ("test:5000/repo", "test:5000", "repo", l, None),
            ("test:5000/repo:tag", "test:5000", "repo", Some("tag"), None),
            (&with_digest, "test:5000", "repo", None, Some(HEX)),
            (&with_both, "test:5000", "repo", Some("tag"), Some(HEX)),
            ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", l, None),
            ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", Some("some-long-tag"), None),
            ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", Some("test.example.com"), None),
            ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", Some("xn--n3h.com"), None),
            ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", l, None),
            ("test-com:8080/foo", "test-com:8080", "foo", l, None),
            ("192.168.1.1/repo", "192.168.1.1", "repo", l, None),
            ("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", l, None),
            ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", Some("5050"), None),
            ("192.168.0.1:8/debian", "192.168.0.1:8", "debian", l, None),
            ("127.0.0.1:5000/docker/docker", "127.0.0.1:5000", "docker/docker", l, None),
            ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", l, None),
            ("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", Some("tag"), None),
            ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", l, None),
            ("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", Some("tag"), None),
            (&v6_digest, "[2001:db8::1]:5000", "repo", None, Some(HEX)),
            (&v6_both, "[2001:db8::1]:5000", "repo", Some("tag"), Some(HEX)),
            ("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", l, None),
            ("[::1]:5000/repo", "[::1]:5000", "repo", l, None),
            ("[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", l, None),
            ("localhost/foo", "localhost", "foo", l, None),
            ("localhost:5000/foo/bar:v1", "localhost:5000", "foo/bar", Some("v1"), None),
            // Docker Hub normalisation.
            ("docker.io/debian", "docker.io", "library/debian", l, None),
            ("docker.io/library/debian", "docker.io", "library/debian", l, None),
            ("docker.io/docker/docker", "docker.io", "docker/docker", l, None),
            ("docker.io/library/foo/bar", "docker.io", "library/foo/bar", l, None),
            ("index.docker.io/debian", "docker.io", "library/debian", l, None),
            ("index.docker.io/library/debian:12", "docker.io", "library/debian", Some("12"), None),
            ("index.docker.io/docker/docker", "docker.io", "docker/docker", l, None),
            // A hex path is fine once a registry makes clear it is not an image ID.
            (&hex_repo, "docker.io", &hex_path, l, None),
            // An uppercase first component can only be a host: paths are lowercase.
            ("Docker/docker", "Docker", "docker", l, None),
            ("DOCKER/docker", "DOCKER", "docker", l, None),
            ("Foo/bar:Tag", "Foo", "bar", Some("Tag"), None),
        ];
        for &(input, domain, path, tag, digest) in cases {
            let reference = qualified_ok(input);
            let expected = Reference {
                domain: domain.to_string(),
                path: path.to_string(),
                tag: tag.map(str::to_string),
                digest: digest.map(sha),
            };
            assert_eq!(reference, expected, "{input}");
            // Display is canonical and parses back to the same reference.
            assert_eq!(qualified_ok(&reference.to_string()), reference, "{input}");
        }
    }

    /// Names without a registry, (input, path, tag, digest hex).
    #[test]
    fn short_vectors() {
        let l = Some("latest");
        let long_path = format!("{}a", "a/".repeat(127));
        let long = format!("{long_path}:tag-puts-this-over-max");
        let song = "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev";
        let pinned = format!("busybox@sha256:{HEX}");
        let both = format!("busybox:1.36@sha256:{HEX}");
        let hex_tag = format!("{HEX}:tag");
        #[rustfmt::skip]
        let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
            ("test_com", "test_com", l, None),
            ("test.com:tag", "test.com", Some("tag"), None),
            ("test.com:5000", "test.com", Some("5000"), None),
            ("lowercase:Uppercase", "lowercase", Some("Uppercase"), None),
            ("foo_bar.com:8080", "foo_bar.com", Some("8080"), None),
            ("foo/foo_bar.com:8080", "foo/foo_bar.com", Some("8080"), None),
            ("192.168.1.1", "192.168.1.1", l, None),
            ("192.168.1.1:tag", "192.168.1.1", Some("tag"), None),
            ("192.168.1.1:5000", "192.168.1.1", Some("5000"), None),
            ("localhost", "localhost", l, None),
            ("localhost:5000", "localhost", Some("5000"), None),
            ("busybox", "busybox", l, None),
            ("library/debian", "library/debian", l, None),
            ("test_com/foo", "test_com/foo", l, None),
            ("docker/migrator", "docker/migrator", l, None),
            (song, song, l, None),
            ("docker-rules/docker", "docker-rules/docker", l, None),
            ("docker---rules/docker", "docker---rules/docker", l, None),
            ("dock__er/docker", "dock__er/docker", l, None),
            ("d/docker", "d/docker", l, None),
            ("jess/t", "jess/t", l, None),
            ("ab_c__d-e--f/0.1", "ab_c__d-e--f/0.1", l, None),
            ("ubuntu-12.04-base", "ubuntu-12.04-base", l, None),
            (&pinned, "busybox", None, Some(HEX)),
            (&both, "busybox", Some("1.36"), Some(HEX)),
            (&long, &long_path, Some("tag-puts-this-over-max"), None),
            // 63 hex digits, or 64 with a tag, are names, not image IDs.
            (&HEX[1..], &HEX[1..], l, None),
            (&hex_tag, HEX, Some("tag"), None),
        ];
        for &(input, path, tag, digest) in cases {
            let (got_path, got_tag, got_digest) = short_ok(input);
            assert_eq!(got_path, path, "{input}");
            assert_eq!(got_tag.as_deref(), tag, "{input}");
            assert_eq!(got_digest, digest.map(sha), "{input}");
        }
        let with_both = format!("busybox:latest@sha256:{HEX}");
        assert_eq!(parse(&with_both).expect("valid").to_string(), with_both);
    }

    #[test]
    fn tag_limits() {
        let max = format!("a{}", "b".repeat(127));
        assert_eq!(
            short_ok(&format!("x:{max}")).1.as_deref(),
            Some(max.as_str())
        );
        for tag in ["_under", "9.0-rc1", "A_B.c-d"] {
            assert_eq!(short_ok(&format!("x:{tag}")).1.as_deref(), Some(tag));
        }
        assert!(error_of(&format!("x:{max}c")).contains("is invalid: a tag is 1 to 128"));
    }

    /// (input, part of the error). Every error is one line naming the input.
    #[test]
    fn invalid_vectors() {
        #[rustfmt::skip]
        let cases: &[(String, &str)] = &[
            ("".into(), "the name is empty"),
            (":justtag".into(), "repository name is missing"),
            (format!("@sha256:{HEX}"), "repository name is missing"),
            ("repo@sha256:ffffffffffffffffffffffffffffffffff".into(), "64 lowercase hex digits"),
            (format!("validname@invaliddigest:{HEX}"), "algorithm \"invaliddigest\" is not supported"),
            (format!("x@sha512:{HEX}{HEX}"), "algorithm \"sha512\" is not supported"),
            (format!("x@sha256:{}", HEX.to_uppercase()), "64 lowercase hex digits"),
            ("x@".into(), "is malformed"),
            ("x@sha256".into(), "is malformed"),
            ("x@sha256:abc".into(), "is malformed"),
            ("x@9sha:ffffffffffffffffffffffffffffffffff".into(), "is malformed"),
            (format!("x@sha256:{HEX}@sha256:{HEX}"), "is malformed"),
            ("Uppercase:tag".into(), "repository name must be lowercase; use \"uppercase:tag\""),
            ("Busybox".into(), "repository name must be lowercase; use \"busybox\""),
            ("test:5000/Uppercase/lowercase:tag".into(), "lowercase; use \"test:5000/uppercase/lowercase:tag\""),
            ("docker/Docker".into(), "must be lowercase; use \"docker/docker\""),
            ("docker.io/docker/Docker".into(), "must be lowercase; use \"docker.io/docker/docker\""),
            ("A.com/A:Tag".into(), "must be lowercase; use \"A.com/a:Tag\""),
            (format!("{}a:tag", "a/".repeat(128)), "257 characters long, more than the 255 allowed"),
            (format!("{}x/docker", "this_is_a_long_namespace_".repeat(11)), "more than the 255 allowed"),
            (format!("localhost/{}", "a".repeat(246)), "256 characters long"),
            // library/ counts: docker.io/library/ + 238 = 256.
            (format!("docker.io/{}", "a".repeat(238)), "256 characters long"),
            ("aa/asdf$$^/aa".into(), "path component \"asdf$$^\" is invalid: it contains '$'"),
            ("bus box".into(), "it contains ' '"),
            ("busybox:tag:tag".into(), "path component \"busybox:tag\" is invalid: it contains ':'"),
            ("caf\u{e9}".into(), "it contains '\u{e9}'"),
            ("-docker".into(), "it starts with '-'"),
            ("-docker/docker".into(), "it starts with '-'"),
            ("docker-/docker".into(), "it ends with '-'"),
            ("-docker-/docker".into(), "it starts with '-'"),
            ("____/____".into(), "it starts with '_'"),
            ("_docker/_docker".into(), "it starts with '_'"),
            // A dot makes the first component a host, so these fail as hosts...
            ("dock..er/docker".into(), "registry host \"dock..er\" is invalid"),
            ("dock_.er/docker".into(), "registry host \"dock_.er\" is invalid"),
            // ...and as path components further on.
            ("docker/dock..er".into(), "\"..\" is not a separator"),
            ("docker/dock_.er".into(), "\"_.\" is not a separator"),
            ("docker/dock-.er".into(), "\"-.\" is not a separator"),
            ("dock___er".into(), "\"___\" is not a separator"),
            ("docker/".into(), "is empty"),
            ("/docker".into(), "is empty"),
            ("docker///docker".into(), "is empty"),
            ("docker.io/docker///docker".into(), "is empty"),
            ("busybox:".into(), "tag \"\" is invalid"),
            ("busybox:-x".into(), "tag \"-x\" is invalid"),
            ("busybox:.x".into(), "tag \".x\" is invalid"),
            ("busybox:a+b".into(), "tag \"a+b\" is invalid"),
            ("https://github.com/docker/docker".into(), "remove \"https://\""),
            ("docker://busybox".into(), "remove \"docker://\""),
            (HEX.into(), "is an image ID"),
            ("-docker.io/docker/docker".into(), "registry host \"-docker.io\" is invalid"),
            ("ex_ample.com/foo".into(), "registry host \"ex_ample.com\" is invalid"),
            ("example..com/foo".into(), "registry host \"example..com\" is invalid"),
            ("example.com:/foo".into(), "port \"\" is not a number"),
            ("example.com:80a/foo".into(), "port \"80a\" is not a number"),
            ("fc00::1:5000/debian".into(), "port \":1:5000\" is not a number"),
            ("[2001:db8::1]".into(), "tag \"1]\" is invalid"),
            ("[2001:db8::1]:5000".into(), "it contains '['"),
            ("[2001:db8::1]:tag".into(), "it contains '['"),
            ("[fc00::1]".into(), "tag \"1]\" is invalid"),
            ("[fe80::1%eth0]:5000/repo".into(), "an IPv6 address has only hex digits"),
            ("[fe80::1%@invalidzone]:5000/repo".into(), "is malformed"),
            ("[2001:db8:3:4::192.0.2.33]:5000/debian".into(), "an IPv6 address has only hex digits"),
            ("[]:5000/repo".into(), "an IPv6 address has only hex digits"),
            ("[::1/repo".into(), "unclosed"),
            ("[::1]x/repo".into(), "expected \":port\""),
        ];
        for (input, expected) in cases {
            let message = error_of(input);
            assert!(
                message.contains(expected),
                "{input:?}: {message:?} lacks {expected:?}"
            );
            let prefix = format!("invalid reference {input:?}: ");
            assert!(message.starts_with(&prefix), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn familiar_form() {
        let cases = [
            ("busybox", "busybox:latest"),
            ("docker.io/library/busybox:1", "busybox:1"),
            ("index.docker.io/user/app", "user/app:latest"),
            ("docker.io/library/foo/bar", "library/foo/bar:latest"),
            ("docker.io/other/library", "other/library:latest"),
            ("quay.io/x/y:2", "quay.io/x/y:2"),
            (
                "localhost:5000/privatebase",
                "localhost:5000/privatebase:latest",
            ),
        ];
        for (input, familiar) in cases {
            let reference = match parse(input).expect("valid") {
                ParsedReference::Qualified(reference) => reference,
                ParsedReference::Short { path, tag, digest } => {
                    Reference::qualify(DOCKER_HUB, &path, tag.as_deref(), digest.as_ref())
                        .expect("qualifies")
                }
            };
            assert_eq!(reference.familiar(), familiar, "{input}");
        }
        let both = qualified_ok(&format!("docker.io/library/busybox:latest@sha256:{HEX}"));
        assert_eq!(both.familiar(), format!("busybox:latest@sha256:{HEX}"));
    }

    #[test]
    fn tag_and_digest_helpers() {
        let tagged = qualified_ok("quay.io/org/app:1");
        assert_eq!(tagged.name(), "quay.io/org/app");
        assert_eq!(
            tagged.repo_tag_string().as_deref(),
            Some("quay.io/org/app:1")
        );
        assert_eq!(tagged.digest_string(), None);

        let pinned = tagged.with_digest(sha(HEX));
        assert_eq!(
            pinned.to_string(),
            format!("quay.io/org/app:1@sha256:{HEX}")
        );
        assert_eq!(
            pinned.digest_string(),
            Some(format!("quay.io/org/app@sha256:{HEX}"))
        );

        let retagged = pinned.with_tag("TAG5").expect("valid tag");
        assert_eq!(
            retagged.to_string(),
            format!("quay.io/org/app:TAG5@sha256:{HEX}")
        );

        let digest_only = qualified_ok(&format!("quay.io/org/app@sha256:{HEX}"));
        assert_eq!(digest_only.tag, None);
        assert_eq!(digest_only.repo_tag_string(), None);

        let err = format!("{:#}", tagged.with_tag("-foo").expect_err("invalid tag"));
        assert!(
            err.starts_with("cannot tag quay.io/org/app: tag \"-foo\" is invalid"),
            "{err}"
        );
    }

    #[test]
    fn parse_qualified_refuses_short_names() {
        let reference = Reference::parse_qualified("quay.io/a/b").expect("qualified");
        assert_eq!(reference.to_string(), "quay.io/a/b:latest");
        let err = format!(
            "{:#}",
            Reference::parse_qualified("busybox:1").expect_err("short")
        );
        assert_eq!(
            err,
            "invalid reference \"busybox:1\": the registry is missing; use a fully qualified name \
             such as \"docker.io/library/busybox\""
        );
        let err = format!(
            "{:#}",
            Reference::parse_qualified("user/app").expect_err("short")
        );
        assert!(err.contains("\"docker.io/user/app\""), "{err}");
        assert!(Reference::parse_qualified("Bad").is_err());
    }

    #[test]
    fn repository_names_have_no_tag_or_digest() {
        let name = Reference::parse_repository_name("docker.io/busybox").expect("valid");
        assert_eq!(name.name(), "docker.io/library/busybox");
        assert_eq!((name.tag, name.digest), (None, None));
        let name = Reference::parse_repository_name("localhost:5000/x").expect("a port, not a tag");
        assert_eq!(name.to_string(), "localhost:5000/x");
        for input in [
            "quay.io/x:1",
            "quay.io/x:latest",
            &format!("quay.io/x@sha256:{HEX}"),
        ] {
            let err = format!(
                "{:#}",
                Reference::parse_repository_name(input).expect_err(input)
            );
            assert!(err.contains("has no tag or digest"), "{err}");
        }
        let err = format!(
            "{:#}",
            Reference::parse_repository_name("busybox").expect_err("short")
        );
        assert!(err.contains("the registry is missing"), "{err}");
    }

    #[test]
    fn qualify_with_search_registries() {
        let q = |registry: &str, path: &str, tag: Option<&str>| {
            Reference::qualify(registry, path, tag, None).map(|r| r.to_string())
        };
        #[rustfmt::skip]
        let cases = [
            ("docker.io", "busybox", None, "docker.io/library/busybox:latest"),
            ("index.docker.io", "busybox", Some("1"), "docker.io/library/busybox:1"),
            ("docker.io", "user/app", None, "docker.io/user/app:latest"),
            ("quay.io", "busybox", None, "quay.io/busybox:latest"),
            // The entry is a host even without a dot, unlike in a typed name.
            ("myhost", "busybox", None, "myhost/busybox:latest"),
            ("reg.example:5000/mirror", "busybox", Some("1"), "reg.example:5000/mirror/busybox:1"),
            ("[::1]:5000", "busybox", None, "[::1]:5000/busybox:latest"),
        ];
        for (registry, path, tag, expected) in cases {
            assert_eq!(q(registry, path, tag).expect(registry), expected);
        }
        let digest = Reference::qualify("quay.io", "x", None, Some(&sha(HEX))).expect("ok");
        assert_eq!(digest.to_string(), format!("quay.io/x@sha256:{HEX}"));

        let err = format!(
            "{:#}",
            q("bad_host", "busybox", None).expect_err("bad host")
        );
        let expected = "invalid reference \"bad_host/busybox\": registry host \"bad_host\"";
        assert!(err.starts_with(expected), "{err}");
        assert!(q("quay.io/Org", "busybox", None).is_err());
        assert!(q("quay.io", "busybox", Some("-bad")).is_err());
        assert!(q("", "busybox", None).is_err());
        let long = format!("{}a", "a/".repeat(127));
        let err = format!("{:#}", q("docker.io", &long, None).expect_err("too long"));
        assert!(err.contains("265 characters long"), "{err}");
    }
}

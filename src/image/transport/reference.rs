//! `TRANSPORT:REFERENCE` strings as skopeo and podman write them.

use std::fmt;
use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::image::reference::{self, ParsedReference, Reference};

/// Where an image is read from or written to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportRef {
    /// `docker://HOST/NAME[:TAG|@DIGEST]`; a name without host means docker.io, as in skopeo.
    Docker(Reference),
    /// `local:NAME` or `containers-storage:NAME`: this engine's store.
    Local(String),
    /// `oci:DIR[:REF]`, an OCI image layout directory.
    OciDir {
        path: PathBuf,
        reference: Option<String>,
    },
    /// `oci-archive:FILE[:REF]`, a tar of an OCI image layout.
    OciArchive {
        path: PathBuf,
        reference: Option<String>,
    },
    /// `docker-archive:FILE[:REF]`, the `docker save` format.
    DockerArchive {
        path: PathBuf,
        reference: Option<String>,
    },
    /// `dir:DIR`, skopeo's directory of manifest.json, version and blobs named by hex digest.
    Dir(PathBuf),
}

impl TransportRef {
    /// Parses a reference that names its transport.
    pub fn parse(input: &str) -> Result<TransportRef> {
        let Some((transport, rest)) = input.split_once(':') else {
            bail!(
                "{input:?} names no transport; write it as docker://NAME, local:NAME, oci:DIR, \
                 oci-archive:FILE, docker-archive:FILE or dir:DIR"
            );
        };
        if rest.is_empty() {
            bail!("{input:?}: the {transport}: transport needs a name or path after the colon");
        }
        match transport {
            "docker" => {
                let Some(name) = rest.strip_prefix("//") else {
                    bail!("{input:?}: registry references are written docker://HOST/NAME[:TAG]");
                };
                Ok(TransportRef::Docker(docker_reference(name)?))
            }
            "local" | "containers-storage" => Ok(TransportRef::Local(rest.to_string())),
            "oci" => {
                let (path, reference) = split_path_ref(rest);
                Ok(TransportRef::OciDir { path, reference })
            }
            "oci-archive" => {
                let (path, reference) = split_path_ref(rest);
                Ok(TransportRef::OciArchive { path, reference })
            }
            "docker-archive" => {
                // As in containers/image: the path ends at the first colon, since the
                // reference after it (NAME:TAG) has colons of its own.
                let (path, reference) = match rest.split_once(':') {
                    Some((path, r)) => (PathBuf::from(path), Some(r.to_string())),
                    None => (PathBuf::from(rest), None),
                };
                Ok(TransportRef::DockerArchive { path, reference })
            }
            "dir" => Ok(TransportRef::Dir(PathBuf::from(rest))),
            other => bail!(
                "{input:?}: unknown transport {other:?}; use docker, local, containers-storage, oci, \
                 oci-archive, docker-archive or dir"
            ),
        }
    }

    /// `push`'s destination: a transport reference, or a registry name without `docker://`.
    pub fn parse_destination(input: &str) -> Result<TransportRef> {
        match TransportRef::parse(input) {
            Ok(parsed) => Ok(parsed),
            Err(_) if !has_transport_prefix(input) => {
                Ok(TransportRef::Docker(docker_reference(input)?))
            }
            Err(e) => Err(e),
        }
    }

    /// `push`/`save`'s source: a transport reference, or a local image name or ID.
    pub fn parse_source(input: &str) -> Result<TransportRef> {
        match has_transport_prefix(input) {
            true => TransportRef::parse(input),
            false => Ok(TransportRef::Local(input.to_string())),
        }
    }
}

/// True when `input` starts with a transport name we know (`host:port/x` does not).
fn has_transport_prefix(input: &str) -> bool {
    const KNOWN: &[&str] = &[
        "docker",
        "local",
        "containers-storage",
        "oci",
        "oci-archive",
        "docker-archive",
        "dir",
    ];
    input
        .split_once(':')
        .is_some_and(|(t, _)| KNOWN.contains(&t))
}

/// A registry reference; short names mean docker.io, as they do for skopeo.
fn docker_reference(name: &str) -> Result<Reference> {
    match reference::parse(name)? {
        ParsedReference::Qualified(r) => Ok(r),
        ParsedReference::Short { path, tag, digest } => {
            Reference::qualify("docker.io", &path, tag.as_deref(), digest.as_ref())
        }
    }
}

/// `PATH[:REF]`: the reference is after the last colon, unless that colon belongs to the path
/// (there is a `/` after it).
fn split_path_ref(rest: &str) -> (PathBuf, Option<String>) {
    match rest.rsplit_once(':') {
        Some((path, reference)) if !reference.contains('/') && !path.is_empty() => (
            PathBuf::from(path),
            Some(reference.to_string()).filter(|r| !r.is_empty()),
        ),
        _ => (PathBuf::from(rest), None),
    }
}

impl fmt::Display for TransportRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with_ref =
            |f: &mut fmt::Formatter<'_>, t: &str, p: &PathBuf, r: &Option<String>| match r {
                Some(r) => write!(f, "{t}:{}:{r}", p.display()),
                None => write!(f, "{t}:{}", p.display()),
            };
        match self {
            TransportRef::Docker(r) => write!(f, "docker://{r}"),
            TransportRef::Local(name) => write!(f, "local:{name}"),
            TransportRef::OciDir { path, reference } => with_ref(f, "oci", path, reference),
            TransportRef::OciArchive { path, reference } => {
                with_ref(f, "oci-archive", path, reference)
            }
            TransportRef::DockerArchive { path, reference } => {
                with_ref(f, "docker-archive", path, reference)
            }
            TransportRef::Dir(path) => write!(f, "dir:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_references_are_qualified_like_skopeo() {
        let TransportRef::Docker(r) = TransportRef::parse("docker://busybox").unwrap() else {
            panic!("not a registry reference");
        };
        assert_eq!(r.to_string(), "docker.io/library/busybox:latest");
        let TransportRef::Docker(r) =
            TransportRef::parse("docker://localhost:5000/a/b:v1").unwrap()
        else {
            panic!("not a registry reference");
        };
        assert_eq!(
            (r.domain.as_str(), r.path.as_str(), r.tag.as_deref()),
            ("localhost:5000", "a/b", Some("v1"))
        );
    }

    #[test]
    fn paths_keep_colons_that_belong_to_them() {
        assert_eq!(
            TransportRef::parse("oci-archive:/tmp/x.tar:app:v1").unwrap(),
            TransportRef::OciArchive {
                path: "/tmp/x.tar:app".into(),
                reference: Some("v1".into())
            }
        );
        assert_eq!(
            TransportRef::parse("oci:/tmp/a:b/layout").unwrap(),
            TransportRef::OciDir {
                path: "/tmp/a:b/layout".into(),
                reference: None
            }
        );
        assert_eq!(
            TransportRef::parse("docker-archive:/tmp/i.tar:app:v1").unwrap(),
            TransportRef::DockerArchive {
                path: "/tmp/i.tar".into(),
                reference: Some("app:v1".into())
            }
        );
        assert_eq!(
            TransportRef::parse("docker-archive:img.tar").unwrap(),
            TransportRef::DockerArchive {
                path: "img.tar".into(),
                reference: None
            }
        );
    }

    #[test]
    fn bad_references_are_refused_with_the_fix() {
        let err = TransportRef::parse("busybox").unwrap_err().to_string();
        assert!(err.contains("names no transport"), "{err}");
        let err = TransportRef::parse("ftp:x").unwrap_err().to_string();
        assert!(err.contains("unknown transport"), "{err}");
        let err = TransportRef::parse("docker:busybox")
            .unwrap_err()
            .to_string();
        assert!(err.contains("docker://"), "{err}");
        assert!(TransportRef::parse("oci:").is_err());
    }

    #[test]
    fn push_and_save_accept_bare_names() {
        assert_eq!(
            TransportRef::parse_source("busybox:latest").unwrap(),
            TransportRef::Local("busybox:latest".into())
        );
        let TransportRef::Docker(r) =
            TransportRef::parse_destination("localhost:5000/x:1").unwrap()
        else {
            panic!("not a registry reference");
        };
        assert_eq!(r.name(), "localhost:5000/x");
    }
}

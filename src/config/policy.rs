//! policy.json, the image trust policy (containers-policy.json(5)).
//!
//! Parsing is strict like containers/image: unknown fields, unknown requirement types and empty
//! requirement lists make the whole file invalid, because a typo in a security policy must not
//! silently loosen it. Engine cannot verify signatures yet, so any signature requirement
//! (`signedBy`, `sigstoreSigned`) fails closed for the images it covers.

use super::{Paths, read_optional};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ACCEPT_ALL_POLICY: &str = r#"{"default":[{"type":"insecureAcceptAnything"}]}"#;

#[derive(Debug, Clone)]
pub struct Policy {
    file: PathBuf,
    default: Vec<Requirement>,
    /// transport name -> scope -> requirements.
    transports: BTreeMap<String, BTreeMap<String, Vec<Requirement>>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    AcceptAnything,
    Reject,
    /// A signature check we cannot perform; holds the requirement type for messages.
    Signature(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    default: Option<Requirements>,
    #[serde(default)]
    transports: BTreeMap<String, BTreeMap<String, Requirements>>,
}

#[derive(Deserialize)]
#[serde(try_from = "Vec<Map<String, Value>>")]
struct Requirements(Vec<Requirement>);

impl TryFrom<Vec<Map<String, Value>>> for Requirements {
    type Error = String;
    fn try_from(list: Vec<Map<String, Value>>) -> Result<Self, String> {
        if list.is_empty() {
            return Err("a requirement list must not be empty (use [{\"type\":\"reject\"}] to refuse everything)".into());
        }
        list.into_iter()
            .map(requirement)
            .collect::<Result<_, _>>()
            .map(Requirements)
    }
}

fn requirement(fields: Map<String, Value>) -> Result<Requirement, String> {
    let Some(kind) = fields.get("type").and_then(Value::as_str) else {
        return Err("a requirement has no \"type\" string".into());
    };
    let simple = match kind {
        "insecureAcceptAnything" => Requirement::AcceptAnything,
        "reject" => Requirement::Reject,
        // Their fields are only meaningful to a verifier, which we do not have; the check
        // fails closed whatever they say, so they are not validated further.
        "signedBy" | "sigstoreSigned" => return Ok(Requirement::Signature(kind.to_string())),
        other => {
            return Err(format!(
                "unknown requirement type {other:?} (known: insecureAcceptAnything, reject, signedBy, sigstoreSigned)"
            ));
        }
    };
    if let Some(extra) = fields.keys().find(|k| *k != "type") {
        return Err(format!("unknown field {extra:?} in a {kind:?} requirement"));
    }
    Ok(simple)
}

impl Policy {
    /// `--signature-policy` if given, else the user's policy.json (rootless), else
    /// `/etc/containers/policy.json`. Having none is an error, as in podman.
    pub fn load(override_path: Option<&Path>, paths: &Paths) -> Result<Policy> {
        let user = paths.user_config_dir().map(|d| d.join("policy.json"));
        let system = paths.system_config_dir.join("policy.json");
        Self::load_from(override_path, user.as_deref(), &system)
    }

    pub(crate) fn load_from(
        override_path: Option<&Path>,
        user: Option<&Path>,
        system: &Path,
    ) -> Result<Policy> {
        if let Some(file) = override_path {
            let text = read_optional(file)?.with_context(|| {
                format!(
                    "signature policy {} does not exist: fix the --signature-policy path",
                    file.display()
                )
            })?;
            return Self::parse(file, &text);
        }
        for file in user.into_iter().chain([system]) {
            if let Some(text) = read_optional(file)? {
                return Self::parse(file, &text);
            }
        }
        let suggestion = user.unwrap_or(system);
        bail!(
            "no image trust policy found ({}{}): create {} containing {ACCEPT_ALL_POLICY} to accept all images, as podman's default policy does",
            user.map(|u| format!("{}, ", u.display()))
                .unwrap_or_default(),
            system.display(),
            suggestion.display()
        );
    }

    pub(crate) fn parse(file: &Path, text: &str) -> Result<Policy> {
        let f = file.display();
        let raw: RawPolicy = serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!("invalid policy {f}: {e}; fix it per containers-policy.json(5)")
        })?;
        let Some(Requirements(default)) = raw.default else {
            bail!(
                "invalid policy {f}: the \"default\" requirement list is missing; add e.g. \"default\": [{{\"type\":\"reject\"}}]"
            );
        };
        let mut transports = BTreeMap::new();
        for (transport, scopes) in raw.transports {
            let mut checked = BTreeMap::new();
            for (scope, Requirements(reqs)) in scopes {
                if transport == "docker" {
                    validate_docker_scope(&scope)
                        .map_err(|e| anyhow::anyhow!("invalid policy {f}: {e}"))?;
                }
                checked.insert(scope, reqs);
            }
            transports.insert(transport, checked);
        }
        Ok(Policy {
            file: file.to_path_buf(),
            default,
            transports,
        })
    }

    /// The policy file in effect.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Checks whether pulling `reference` (`host/repo:tag` or `host/repo@sha256:...`) from a
    /// registry is allowed. The most specific scope that the policy lists decides.
    pub fn check_docker_pull(&self, reference: &str) -> Result<()> {
        let (scope, reqs) = self.requirements_for(reference);
        let file = self.file.display();
        if reqs.contains(&Requirement::Reject) {
            bail!(
                "pulling {reference} is rejected by policy {file} (scope {scope}): change that scope's requirement in the policy if this image should be allowed"
            );
        }
        if let Some(Requirement::Signature(kind)) =
            reqs.iter().find(|r| matches!(r, Requirement::Signature(_)))
        {
            bail!(
                "image {reference} requires a signature check ({kind}) by policy {file} (scope {scope}), which engine cannot verify yet; use a policy that allows it (e.g. insecureAcceptAnything for this scope) or remove the requirement"
            );
        }
        Ok(())
    }

    /// The requirements of the most specific matching scope and a description of that scope.
    fn requirements_for(&self, reference: &str) -> (String, &[Requirement]) {
        if let Some(scopes) = self.transports.get("docker") {
            for scope in docker_scopes(reference) {
                if let Some(reqs) = scopes.get(&scope) {
                    return (format!("{scope:?} of transport docker"), reqs);
                }
            }
            if let Some(reqs) = scopes.get("") {
                return ("\"\" (default of transport docker)".into(), reqs);
            }
        }
        ("\"default\"".into(), &self.default)
    }
}

/// The docker-transport scopes that may match `reference`, most specific first: the reference
/// itself, the repository, each parent namespace, the host, then `*.`-wildcards of the host's
/// parent domains (port stripped). This is containers/image's order.
fn docker_scopes(reference: &str) -> Vec<String> {
    let mut scopes = vec![reference.to_string()];
    let mut name = repository_of(reference);
    loop {
        scopes.push(name.to_string());
        match name.rfind('/') {
            Some(slash) => name = &name[..slash],
            None => break,
        }
    }
    let mut host = name.split(':').next().unwrap_or(name);
    while let Some(dot) = host.find('.') {
        host = &host[dot + 1..];
        scopes.push(format!("*.{host}"));
    }
    scopes.dedup();
    scopes
}

/// `host/repo` without `:tag` or `@digest`.
fn repository_of(reference: &str) -> &str {
    let name = reference.split('@').next().unwrap_or(reference);
    let last_slash = name.rfind('/').unwrap_or(0);
    match name[last_slash..].find(':') {
        Some(colon) => &name[..last_slash + colon],
        None => name,
    }
}

/// Docker scopes are fully-qualified names or `*.domain` wildcards; a bare `busybox` would
/// never match anything, so it is refused rather than silently ignored.
fn validate_docker_scope(scope: &str) -> Result<()> {
    if scope.is_empty() {
        return Ok(());
    }
    if let Some(domain) = scope.strip_prefix("*.") {
        if domain.is_empty() || domain.contains(['/', ':', '@', '*']) {
            bail!("docker scope {scope:?} is not a valid wildcard: write it as *.example.com");
        }
        return Ok(());
    }
    let host = scope.split('/').next().unwrap_or_default();
    let qualified = host.contains(['.', ':']) || host == "localhost";
    if !qualified || scope.contains("://") || scope.contains('*') {
        bail!(
            "docker scope {scope:?} is not a fully-qualified name: write it as host[/namespace/repo], e.g. docker.io/library/busybox"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn policy(json: &str) -> Policy {
        Policy::parse(Path::new("/p/policy.json"), json).unwrap()
    }

    fn parse_err(json: &str) -> String {
        format!(
            "{:#}",
            Policy::parse(Path::new("/p/policy.json"), json).unwrap_err()
        )
    }

    #[test]
    fn scope_order_matches_containers_image() {
        assert_eq!(
            docker_scopes("reg.example.com:5000/ns/sub/app:v1"),
            [
                "reg.example.com:5000/ns/sub/app:v1",
                "reg.example.com:5000/ns/sub/app",
                "reg.example.com:5000/ns/sub",
                "reg.example.com:5000/ns",
                "reg.example.com:5000",
                "*.example.com",
                "*.com",
            ]
        );
        let digest = format!("docker.io/library/busybox@sha256:{}", "a".repeat(64));
        assert_eq!(docker_scopes(&digest)[1], "docker.io/library/busybox");
        assert_eq!(repository_of("localhost:5000/app"), "localhost:5000/app");
    }

    #[test]
    fn most_specific_scope_decides() {
        let p = policy(
            r#"{
            "default": [{"type": "reject"}],
            "transports": {"docker": {
                "": [{"type": "insecureAcceptAnything"}],
                "docker.io": [{"type": "reject"}],
                "docker.io/library": [{"type": "insecureAcceptAnything"}],
                "docker.io/library/busybox:evil": [{"type": "reject"}],
                "*.example.com": [{"type": "reject"}],
                "ok.example.com/app": [{"type": "insecureAcceptAnything"}]
            }}}"#,
        );
        p.check_docker_pull("docker.io/library/busybox:latest")
            .unwrap();
        assert!(
            p.check_docker_pull("docker.io/library/busybox:evil")
                .is_err()
        );
        assert!(p.check_docker_pull("docker.io/someone/app:1").is_err());
        assert!(p.check_docker_pull("a.example.com/app:1").is_err());
        p.check_docker_pull("ok.example.com/app:1").unwrap();
        p.check_docker_pull("quay.io/x/y:1").unwrap();
        let msg = p
            .check_docker_pull("docker.io/x/y:1")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("rejected by policy /p/policy.json") && msg.contains("\"docker.io\""),
            "{msg}"
        );
    }

    #[test]
    fn global_default_applies_without_transport_default() {
        let p = policy(
            r#"{"default":[{"type":"reject"}],"transports":{"docker":{"quay.io":[{"type":"insecureAcceptAnything"}]}}}"#,
        );
        p.check_docker_pull("quay.io/a/b:1").unwrap();
        let msg = p
            .check_docker_pull("docker.io/a/b:1")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("\"default\""), "{msg}");
    }

    #[test]
    fn any_reject_in_a_list_wins() {
        let p = policy(r#"{"default":[{"type":"insecureAcceptAnything"},{"type":"reject"}]}"#);
        assert!(p.check_docker_pull("quay.io/a:1").is_err());
    }

    #[test]
    fn signature_requirements_fail_closed() {
        let p = policy(
            r#"{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{
            "registry.redhat.io":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/etc/pki/key.gpg"}],
            "quay.io":[{"type":"sigstoreSigned","keyPath":"/k.pub","signedIdentity":{"type":"matchRepository"}}]}}}"#,
        );
        let msg = p
            .check_docker_pull("registry.redhat.io/ubi9:latest")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("signature check (signedBy)") && msg.contains("cannot verify"),
            "{msg}"
        );
        assert!(msg.contains("insecureAcceptAnything"), "{msg}");
        let msg = p
            .check_docker_pull("quay.io/a/b:1")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("sigstoreSigned"), "{msg}");
        p.check_docker_pull("docker.io/library/alpine:3").unwrap();
    }

    #[test]
    fn strict_parsing() {
        assert!(
            parse_err(r#"{"default":[{"type":"reject"}],"x":1}"#).contains("unknown field `x`")
        );
        assert!(parse_err(r#"{"default":[]}"#).contains("must not be empty"));
        assert!(
            parse_err(r#"{"transports":{}}"#).contains("\"default\" requirement list is missing")
        );
        assert!(
            parse_err(r#"{"default":[{"type":"reject","x":1}]}"#).contains("unknown field \"x\"")
        );
        assert!(
            parse_err(r#"{"default":[{"type":"trustMe"}]}"#).contains("unknown requirement type")
        );
        assert!(parse_err(r#"{"default":[{"typ":"reject"}]}"#).contains("no \"type\""));
        let msg = parse_err(
            r#"{"default":[{"type":"reject"}],"transports":{"docker":{"busybox":[{"type":"reject"}]}}}"#,
        );
        assert!(msg.contains("not a fully-qualified name"), "{msg}");
        let msg = parse_err("{\"default\": [");
        assert!(
            msg.contains("/p/policy.json") && msg.contains("line 1"),
            "{msg}"
        );
        // Other transports' scopes are not docker names and are accepted as they are.
        policy(
            r#"{"default":[{"type":"reject"}],"transports":{"oci":{"/some/dir":[{"type":"reject"}]}}}"#,
        );
    }

    #[test]
    fn load_order_and_missing_policy() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("user/policy.json");
        let system = dir.path().join("etc/policy.json");
        let msg = Policy::load_from(None, Some(&user), &system)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("no image trust policy") && msg.contains(ACCEPT_ALL_POLICY),
            "{msg}"
        );
        assert!(msg.contains(&format!("create {}", user.display())), "{msg}");

        fs::create_dir_all(system.parent().unwrap()).unwrap();
        fs::write(&system, r#"{"default":[{"type":"reject"}]}"#).unwrap();
        assert_eq!(
            Policy::load_from(None, Some(&user), &system)
                .unwrap()
                .file(),
            system
        );

        fs::create_dir_all(user.parent().unwrap()).unwrap();
        fs::write(&user, ACCEPT_ALL_POLICY).unwrap();
        assert_eq!(
            Policy::load_from(None, Some(&user), &system)
                .unwrap()
                .file(),
            user
        );
        assert_eq!(
            Policy::load_from(None, None, &system).unwrap().file(),
            system
        );

        let explicit = dir.path().join("explicit.json");
        assert!(Policy::load_from(Some(&explicit), Some(&user), &system).is_err());
        fs::write(&explicit, ACCEPT_ALL_POLICY).unwrap();
        assert_eq!(
            Policy::load_from(Some(&explicit), Some(&user), &system)
                .unwrap()
                .file(),
            explicit
        );
    }

    #[test]
    fn load_uses_paths() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::sandbox(dir.path());
        fs::create_dir_all(paths.user_containers_dir()).unwrap();
        fs::write(
            paths.user_containers_dir().join("policy.json"),
            ACCEPT_ALL_POLICY,
        )
        .unwrap();
        let p = Policy::load(None, &paths).unwrap();
        p.check_docker_pull("docker.io/library/busybox:latest")
            .unwrap();
    }

    #[test]
    fn shipped_example_is_valid() {
        let p = policy(include_str!("../../config/policy.json"));
        p.check_docker_pull("docker.io/library/busybox:latest")
            .unwrap();
        p.check_docker_pull("registry.example.com/team/approved:1")
            .unwrap();
        assert!(
            p.check_docker_pull("registry.example.com/team/other:1")
                .is_err()
        );
        assert!(
            p.check_docker_pull("untrusted.example.invalid/x:1")
                .is_err()
        );
    }
}
